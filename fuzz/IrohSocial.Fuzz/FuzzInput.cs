using System.Buffers.Binary;

namespace IrohSocial.Fuzz;

/// <summary>
/// Splits one fuzz input into several records, <c>[u16 big-endian length][bytes]</c> each, so a target can
/// drive a stateful parser with a sequence of messages. A short last record takes what is left.
/// </summary>
public ref struct FuzzInput
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>Starts reading <paramref name="input"/>.</summary>
    public FuzzInput(ReadOnlySpan<byte> input) => _rest = input;

    /// <summary>Bytes not consumed yet.</summary>
    public readonly int Remaining => _rest.Length;

    /// <summary>Reads one byte, or returns false at the end.</summary>
    public bool TryReadByte(out byte value)
    {
        value = 0;
        if (_rest.IsEmpty)
        {
            return false;
        }

        value = _rest[0];
        _rest = _rest[1..];
        return true;
    }

    /// <summary>Reads the next length-prefixed record, or returns false at the end.</summary>
    public bool TryReadRecord(out ReadOnlySpan<byte> record)
    {
        record = default;
        if (_rest.Length < 2)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(_rest);
        _rest = _rest[2..];
        length = Math.Min(length, _rest.Length);
        record = _rest[..length];
        _rest = _rest[length..];
        return true;
    }

    /// <summary>Encodes records in the format <see cref="TryReadRecord"/> reads (for seed generation and tests).</summary>
    public static byte[] Join(ReadOnlySpan<byte> prefix, params IEnumerable<byte[]> records)
    {
        var output = new List<byte>(prefix.ToArray());
        Span<byte> length = stackalloc byte[2];
        foreach (var record in records)
        {
            BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)record.Length));
            output.AddRange(length.ToArray());
            output.AddRange(record);
        }

        return [.. output];
    }
}
