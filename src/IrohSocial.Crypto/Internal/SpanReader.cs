using System.Buffers.Binary;

namespace IrohSocial.Crypto.Internal;

/// <summary>Reads the serialized session format; any shortfall is a <see cref="RatchetException"/>.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position == _data.Length;

    public readonly int Remaining => _data.Length - _position;

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (_data.Length - _position < count)
        {
            throw Invalid("truncated");
        }

        var result = _data.Slice(_position, count);
        _position += count;
        return result;
    }

    public byte ReadByte() => ReadBytes(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(ReadBytes(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4));

    public static RatchetException Invalid(string why) =>
        new(RatchetError.InvalidState, $"Serialized ratchet session is invalid ({why}).");
}

/// <summary>Writes the serialized session format into a buffer sized up front (so no copy of the secrets is left behind by a growing buffer).</summary>
internal ref struct SpanWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;

    public int Position { get; private set; }

    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[Position..]);
        Position += bytes.Length;
    }

    public void WriteByte(byte value) => _buffer[Position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
        Position += 4;
    }
}
