using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace IrohSocial.Messaging.Groups;

/// <summary>A group's identity: 32 random bytes chosen by its creator. Text form: 64 lowercase hex chars.</summary>
public readonly struct GroupId : IEquatable<GroupId>
{
    /// <summary>Length in bytes.</summary>
    public const int Size = 32;

    private readonly string? _hex;

    private GroupId(string hex) => _hex = hex;

    /// <summary>Wraps 32 bytes.</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    public GroupId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A group id is {Size} bytes.", nameof(bytes));
        }

        _hex = Convert.ToHexStringLower(bytes);
    }

    /// <summary>A fresh random id.</summary>
    public static GroupId NewId() => new(RandomNumberGenerator.GetBytes(Size));

    /// <summary>The 32 bytes.</summary>
    public byte[] ToArray() => Convert.FromHexString(Hex);

    /// <summary>Parses the 64-char lowercase hex form.</summary>
    /// <exception cref="FormatException">Not a group id.</exception>
    public static GroupId Parse(string text) => TryParse(text, out var id) ? id : throw new FormatException("A group id is 64 lowercase hex characters.");

    /// <summary>Parses the 64-char lowercase hex form.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out GroupId id)
    {
        id = default;
        if (text is not { Length: Size * 2 } || !text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            return false;
        }

        id = new GroupId(text);
        return true;
    }

    private string Hex => _hex ?? new string('0', Size * 2);

    /// <summary>The 64-char lowercase hex form.</summary>
    public override string ToString() => Hex;

    /// <summary>The first 10 hex chars, for logs and lists.</summary>
    public string ToShortString() => Hex[..10];

    /// <inheritdoc />
    public bool Equals(GroupId other) => string.Equals(Hex, other.Hex, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GroupId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Hex);

    /// <summary>Equality.</summary>
    public static bool operator ==(GroupId left, GroupId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(GroupId left, GroupId right) => !left.Equals(right);
}
