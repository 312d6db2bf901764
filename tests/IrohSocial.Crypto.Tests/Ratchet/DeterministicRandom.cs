using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto.Tests.Ratchet;

/// <summary>
/// Test-only randomness: the stream SHA-256(label || u32be(0)) || SHA-256(label || u32be(1)) || ...,
/// consumed in order. docs/protocol.md uses the same definition for the ratchet's known-answer values.
/// </summary>
internal sealed class DeterministicRandom(string label) : IRandomSource
{
    private readonly byte[] _label = Encoding.ASCII.GetBytes(label);
    private readonly byte[] _block = new byte[32];
    private uint _counter;
    private int _used = 32;

    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_used == 32)
            {
                var input = new byte[_label.Length + 4];
                _label.CopyTo(input, 0);
                BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(_label.Length), _counter++);
                SHA256.HashData(input, _block);
                _used = 0;
            }

            var take = Math.Min(destination.Length, 32 - _used);
            _block.AsSpan(_used, take).CopyTo(destination);
            _used += take;
            destination = destination[take..];
        }
    }
}
