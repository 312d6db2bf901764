using System.Diagnostics.CodeAnalysis;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// The identity of an endpoint: its 32-byte ed25519 public key. The canonical text form is
/// 64 lowercase hex characters; <see cref="Parse(string)"/> accepts only that form.
/// </summary>
public readonly struct EndpointId : IEquatable<EndpointId>, IComparable<EndpointId>, ISpanFormattable
{
    /// <summary>Size of an endpoint id in bytes.</summary>
    public const int Size = 32;

    /// <summary>Length of the canonical hex text form.</summary>
    public const int HexLength = Size * 2;

    // Four longs keep the struct a value type with no array behind it (cheap copies, no aliasing).
    private readonly ulong _a, _b, _c, _d;

    /// <summary>Creates an id from its 32 raw bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public EndpointId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"An endpoint id is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        _a = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>Copies the 32 raw bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Destination must hold {Size} bytes.", nameof(destination));
        }

        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Returns the 32 raw bytes as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Verifies an ed25519 signature made by this endpoint's secret key.</summary>
    /// <returns><see langword="true"/> when the signature is valid; never throws on bad input.</returns>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Span<byte> key = stackalloc byte[Size];
        CopyTo(key);
        return Ed25519.Verify(key, message, signature);
    }

    /// <summary>Parses the canonical 64-character lowercase hex form.</summary>
    /// <exception cref="FormatException">The text is not exactly 64 lowercase hex characters.</exception>
    public static EndpointId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var id)
            ? id
            : throw new FormatException($"An endpoint id is {HexLength} lowercase hex characters.");
    }

    /// <summary>Tries to parse the canonical 64-character lowercase hex form.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out EndpointId id) => TryParse(text.AsSpan(), out id);

    /// <summary>Tries to parse the canonical 64-character lowercase hex form.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out EndpointId id)
    {
        id = default;
        if (text.Length != HexLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        for (var i = 0; i < Size; i++)
        {
            var hi = LowerHexValue(text[2 * i]);
            var lo = LowerHexValue(text[(2 * i) + 1]);
            if (hi < 0 || lo < 0)
            {
                return false;
            }

            bytes[i] = (byte)((hi << 4) | lo);
        }

        id = new EndpointId(bytes);
        return true;
    }

    private static int LowerHexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    /// <summary>The canonical lowercase hex form.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>A short form (first 10 hex characters) for logs and UIs.</summary>
    public string ToShortString() => ToString()[..10];

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.TryToHexStringLower(bytes, destination, out charsWritten);
    }

    /// <inheritdoc />
    public bool Equals(EndpointId other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EndpointId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    /// <summary>Orders ids by their raw bytes (big-endian), the order used to sort a key pair.</summary>
    public int CompareTo(EndpointId other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>Equality of two ids.</summary>
    public static bool operator ==(EndpointId left, EndpointId right) => left.Equals(right);

    /// <summary>Inequality of two ids.</summary>
    public static bool operator !=(EndpointId left, EndpointId right) => !left.Equals(right);
}
