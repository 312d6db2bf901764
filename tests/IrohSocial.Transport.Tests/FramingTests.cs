using System.Buffers.Binary;

namespace IrohSocial.Transport.Tests;

public sealed class FramingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WriteThenRead_RoundTripsFramesAndEndsWithNull()
    {
        var buffer = new MemoryStream();
        using (var writer = new FrameWriter(buffer, maxFrameSize: 1000))
        {
            await writer.WriteFrameAsync("hello"u8.ToArray(), Ct);
            await writer.WriteFrameAsync(Array.Empty<byte>(), Ct);
            await writer.WriteFrameAsync(new byte[1000], Ct);
        }

        Assert.Equal(Convert.FromHexString("0000000568656c6c6f00000000"), buffer.ToArray()[..13]);
        buffer.Position = 0;
        var reader = new FrameReader(buffer, maxFrameSize: 1000);
        Assert.Equal("hello"u8.ToArray(), await reader.ReadFrameAsync(Ct));
        Assert.Empty((await reader.ReadFrameAsync(Ct))!);
        Assert.Equal(1000, (await reader.ReadFrameAsync(Ct))!.Length);
        Assert.Null(await reader.ReadFrameAsync(Ct));
    }

    [Fact]
    public void EncodeIntoSpan_FramesBackToBack_AndRefusesAShortDestination()
    {
        var joined = new byte[32];
        var used = FrameWriter.Encode("hello"u8, joined);
        used += FrameWriter.Encode("hi"u8, joined.AsSpan(used));
        Assert.Equal(Convert.FromHexString("0000000568656c6c6f" + "000000026869"), joined[..used]);
        Assert.Throws<ArgumentException>(() => FrameWriter.Encode("hello"u8, new byte[8]));
    }

    [Fact]
    public async Task StaticWriteAndRead_SameBytesAsTheInstancesAndTypedErrors()
    {
        // The DM protocol frames through these statics: one implementation for every user of the format.
        var buffer = new MemoryStream();
        await FrameWriter.WriteFrameAsync(buffer, "hello"u8.ToArray(), flush: false, Ct);
        Assert.Equal(Convert.FromHexString("0000000568656c6c6f"), buffer.ToArray());
        Assert.Equal(buffer.ToArray(), FrameWriter.Encode("hello"u8));

        buffer.Position = 0;
        Assert.Equal("hello"u8.ToArray(), await FrameReader.ReadFrameAsync(buffer, maxFrameSize: 5, Ct));
        Assert.Null(await FrameReader.ReadFrameAsync(buffer, maxFrameSize: 5, Ct));

        var tooLarge = await Assert.ThrowsAsync<TransportException>(async () => await FrameReader.ReadFrameAsync(new MemoryStream(FrameWriter.Encode("hello"u8)), maxFrameSize: 4, Ct));
        Assert.Equal(TransportError.FrameTooLarge, tooLarge.Error);
        var truncated = await Assert.ThrowsAsync<TransportException>(async () => await FrameReader.ReadFrameAsync(new MemoryStream(Convert.FromHexString("0000000568")), maxFrameSize: 5, Ct));
        Assert.Equal(TransportError.ProtocolViolation, truncated.Error);
    }

    [Fact]
    public async Task Write_OversizedFrame_ThrowsAndWritesNothing()
    {
        var buffer = new MemoryStream();
        using var writer = new FrameWriter(buffer, maxFrameSize: 10);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await writer.WriteFrameAsync(new byte[11], Ct));
        Assert.Equal(TransportError.FrameTooLarge, error.Error);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public async Task Read_OversizedLength_IsRejectedBeforeThePayload()
    {
        // Only the header exists: a reader that tried to read the payload would report truncation instead.
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, uint.MaxValue);
        var reader = new FrameReader(new MemoryStream(header), maxFrameSize: 1024);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await reader.ReadFrameAsync(Ct));
        Assert.Equal(TransportError.FrameTooLarge, error.Error);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("000000")]
    [InlineData("00000005")]
    [InlineData("0000000568656c")]
    public async Task Read_TruncatedFrame_IsAProtocolViolation(string hex)
    {
        var reader = new FrameReader(new MemoryStream(Convert.FromHexString(hex)));
        var error = await Assert.ThrowsAsync<TransportException>(async () => await reader.ReadFrameAsync(Ct));
        Assert.Equal(TransportError.ProtocolViolation, error.Error);
    }

    [Fact]
    public async Task Read_OversizedFrameOnTransportStream_AbortsTheStream()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var (c, s) = await TestEndpoints.ConnectPairAsync(client, server);
        await using var outbound = await c.OpenBidirectionalStreamAsync(Ct);
        await new FrameWriter(outbound).WriteFrameAsync(new byte[2000], Ct);
        await using var inbound = await s.AcceptStreamAsync(Ct);

        var error = await Assert.ThrowsAsync<TransportException>(async () => await new FrameReader(inbound, maxFrameSize: 1000).ReadFrameAsync(Ct));
        Assert.Equal(TransportError.FrameTooLarge, error.Error);

        var peerError = await Assert.ThrowsAsync<TransportException>(async () => await TestEndpoints.ReadToEndAsync(outbound));
        Assert.Equal(TransportError.StreamAborted, peerError.Error);
        Assert.Equal(FrameReader.FrameTooLargeErrorCode, peerError.ApplicationErrorCode);
    }
}
