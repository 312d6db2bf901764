using System.Buffers;
using CsCheck;
using IrohSocial.Transport.Internal.Tcp;
using MessagePack;

namespace IrohSocial.Transport.Tests;

/// <summary>
/// The scanner that bounds inbound multiplexer frames, checked against an independent MessagePack encoder
/// (MessagePack-CSharp): every valid frame under the limit passes however the bytes are split, every frame over it
/// fails before more than the limit has been read.
/// </summary>
public sealed class MessagePackFrameScannerTests
{
    private const int Limit = 4096;

    // MessagePackWriter is a struct: each step must write through the same instance.
    private delegate void WriteStep(ref MessagePackWriter writer);

    // A random MessagePack element, written with MessagePack-CSharp (every format family, nested up to 4 levels).
    private static readonly Gen<WriteStep[]> Element = GenElement(4);

    private static Gen<WriteStep[]> GenElement(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Long.Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.ULong.Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Int[-40, 200].Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Double.Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Float.Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Bool.Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Const(new WriteStep[] { (ref MessagePackWriter w) => w.WriteNil() }),
            Gen.String[0, 300].Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Byte.Array[0, 70_000].Select(v => new WriteStep[] { (ref MessagePackWriter w) => w.Write(v) }),
            Gen.Select(Gen.SByte, Gen.Byte.Array[0, 300], (type, data) => new WriteStep[]
            {
                (ref MessagePackWriter w) =>
                {
                    w.WriteExtensionFormatHeader(new ExtensionHeader(type, data.Length));
                    w.WriteRaw(data);
                },
            }));
        if (depth == 0)
        {
            return scalar;
        }

        var child = GenElement(depth - 1);
        var array = child.Array[0, 5].Select(children => new WriteStep[]
        {
            (ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(children.Length);
                foreach (var c in children)
                {
                    foreach (var write in c)
                    {
                        write(ref w);
                    }
                }
            },
        });
        var map = Gen.Select(child, child).Array[0, 3].Select(pairs => new WriteStep[]
        {
            (ref MessagePackWriter w) =>
            {
                w.WriteMapHeader(pairs.Length);
                foreach (var (k, v) in pairs)
                {
                    foreach (var write in k.Concat(v))
                    {
                        write(ref w);
                    }
                }
            },
        });
        return Gen.Frequency((4, scalar), (1, array), (1, map));
    }

    private static byte[] Encode(WriteStep[] element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        foreach (var write in element)
        {
            write(ref writer);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void ValidFrames_PassWhereverTheBytesAreSplit_OversizedFramesFailWithinTheLimit()
    {
        Gen.Select(Element.Array[1, 6], Gen.Int[1, 3000]).Sample((elements, chunk) =>
        {
            var scanner = new MessagePackFrameScanner(Limit);
            long scanned = 0;
            foreach (var element in elements)
            {
                var bytes = Encode(element);
                try
                {
                    for (var i = 0; i < bytes.Length; i += chunk)
                    {
                        scanner.Scan(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
                        scanned = i + Math.Min(chunk, bytes.Length - i);
                    }
                }
                catch (MultiplexerFrameException)
                {
                    Assert.True(bytes.Length > Limit, $"a {bytes.Length}-byte frame was refused");
                    Assert.True(scanned <= Limit, $"refused only after {scanned} bytes");
                    return; // the connection is closed at the first violation
                }

                Assert.True(bytes.Length <= Limit, $"a {bytes.Length}-byte frame passed");
            }

            Assert.Equal(elements.Length, scanner.Frames);
        }, iter: 3000);
    }

    [Theory]
    [InlineData(new byte[] { 0xC6, 0x40, 0x00, 0x00, 0x00 })] // bin32 of 1 GiB
    [InlineData(new byte[] { 0xDB, 0xFF, 0xFF, 0xFF, 0xFF })] // str32 of 4 GiB
    [InlineData(new byte[] { 0xDD, 0x00, 0x10, 0x00, 0x00 })] // array32 of a million elements
    [InlineData(new byte[] { 0xDF, 0x00, 0x01, 0x00, 0x00 })] // map32 of 65,536 pairs
    [InlineData(new byte[] { 0xC9, 0x00, 0x01, 0x00, 0x00 })] // ext32 of 64 KiB
    [InlineData(new byte[] { 0xC1 })]                         // the reserved byte
    public void HostileHeaders_FailOnTheHeaderAlone(byte[] header)
    {
        var scanner = new MessagePackFrameScanner(Limit);
        Assert.Throws<MultiplexerFrameException>(() => scanner.Scan(header));
    }

    [Fact]
    public void DeepNesting_FailsAtTheDepthLimit()
    {
        var scanner = new MessagePackFrameScanner(Limit, maxDepth: 8);
        scanner.Scan(Enumerable.Repeat((byte)0x91, 8).ToArray()); // eight nested one-element arrays
        Assert.Throws<MultiplexerFrameException>(() => scanner.Scan([0x91]));
    }
}
