using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;

namespace IrohSocial.Messaging.Internal.Groups;

/// <summary>
/// One signed membership update, as bytes (docs/protocol.md section 11.2):
/// <c>u8 format=1 | u8 kind | group_id[32] | prev_state_hash[32] | author[32] | i64 timestamp_ms | u16 name_len | name | u16 count | count*key[32] | signature[64]</c>,
/// big-endian, the signature being ed25519 by <c>author</c> over <see cref="SignatureLabel"/> || 0x00 || everything before it.
/// Written by hand because the layout is the thing that is signed: it must be byte-exact and stable.
/// </summary>
internal sealed class GroupUpdate
{
    public const byte Format = 1;
    public const string SignatureLabel = "iroh-social/group-update/v1";
    public const int MaxNameBytes = 256;
    public const int SignatureSize = 64;
    private const int FixedSize = 1 + 1 + 32 + 32 + 32 + 8 + 2 + 2 + SignatureSize;

    private GroupUpdate(byte[] encoded, GroupUpdateKind kind, GroupId groupId, byte[] previousHash, EndpointId author, long timestampMs, string name, IReadOnlyList<EndpointId> targets)
    {
        Encoded = encoded;
        Kind = kind;
        GroupId = groupId;
        PreviousHash = previousHash;
        Author = author;
        TimestampMs = timestampMs;
        Name = name;
        Targets = targets;
        Hash = SHA256.HashData(encoded);
    }

    /// <summary>The full signed bytes (what travels and what is stored).</summary>
    public byte[] Encoded { get; }

    public GroupUpdateKind Kind { get; }

    public GroupId GroupId { get; }

    /// <summary>Hash of the state this update applies to (zeros for <see cref="GroupUpdateKind.Create"/>).</summary>
    public byte[] PreviousHash { get; }

    public EndpointId Author { get; }

    public long TimestampMs { get; }

    public string Name { get; }

    /// <summary>Initial members (create) or the members added, removed or promoted.</summary>
    public IReadOnlyList<EndpointId> Targets { get; }

    /// <summary>SHA-256 of <see cref="Encoded"/>: the update's identity and its fork-choice tie-breaker.</summary>
    public byte[] Hash { get; }

    public static GroupUpdate Sign(SecretKey author, GroupUpdateKind kind, GroupId groupId, ReadOnlySpan<byte> previousHash, long timestampMs, string name, IReadOnlyList<EndpointId> targets)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > MaxNameBytes)
        {
            throw new ArgumentException($"A group name is at most {MaxNameBytes} UTF-8 bytes.", nameof(name));
        }

        if (targets.Count > ushort.MaxValue)
        {
            throw new ArgumentException("Too many members.", nameof(targets));
        }

        var body = new byte[FixedSize - SignatureSize + nameBytes.Length + (targets.Count * EndpointId.Size)];
        var span = body.AsSpan();
        span[0] = Format;
        span[1] = (byte)kind;
        groupId.ToArray().CopyTo(span[2..]);
        previousHash.CopyTo(span[34..66]);
        author.PublicKey.CopyTo(span[66..]);
        BinaryPrimitives.WriteInt64BigEndian(span[98..], timestampMs);
        BinaryPrimitives.WriteUInt16BigEndian(span[106..], (ushort)nameBytes.Length);
        nameBytes.CopyTo(span[108..]);
        var at = 108 + nameBytes.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)targets.Count);
        at += 2;
        foreach (var target in targets)
        {
            target.CopyTo(span[at..]);
            at += EndpointId.Size;
        }

        var signature = author.Sign(SigningInput(body));
        var encoded = new byte[body.Length + SignatureSize];
        body.CopyTo(encoded, 0);
        signature.CopyTo(encoded, body.Length);
        return Parse(encoded) ?? throw new InvalidOperationException("A freshly signed update did not verify.");
    }

    /// <summary>Decodes and verifies the signature; null for anything malformed or forged.</summary>
    public static GroupUpdate? Parse(byte[] encoded)
    {
        if (encoded.Length < FixedSize || encoded[0] != Format || !Enum.IsDefined((GroupUpdateKind)encoded[1]))
        {
            return null;
        }

        var span = encoded.AsSpan();
        var nameLength = BinaryPrimitives.ReadUInt16BigEndian(span[106..]);
        if (nameLength > MaxNameBytes || 108 + nameLength + 2 > encoded.Length - SignatureSize)
        {
            return null;
        }

        var at = 108 + nameLength;
        var count = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
        at += 2;
        if (at + (count * EndpointId.Size) + SignatureSize != encoded.Length)
        {
            return null;
        }

        string name;
        try
        {
            name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(span.Slice(108, nameLength));
        }
        catch (ArgumentException)
        {
            return null;
        }

        var targets = new EndpointId[count];
        for (var i = 0; i < count; i++)
        {
            targets[i] = new EndpointId(span.Slice(at + (i * EndpointId.Size), EndpointId.Size));
        }

        if (targets.Distinct().Count() != targets.Length)
        {
            return null;
        }

        var author = new EndpointId(span.Slice(66, 32));
        var bodyLength = encoded.Length - SignatureSize;
        if (!author.Verify(SigningInput(span[..bodyLength]), span[bodyLength..]))
        {
            return null;
        }

        return new GroupUpdate(encoded.ToArray(), (GroupUpdateKind)encoded[1], new GroupId(span.Slice(2, 32)), span.Slice(34, 32).ToArray(), author,
            BinaryPrimitives.ReadInt64BigEndian(span[98..]), name, targets);
    }

    private static byte[] SigningInput(ReadOnlySpan<byte> body)
    {
        var label = Encoding.ASCII.GetBytes(SignatureLabel);
        var input = new byte[label.Length + 1 + body.Length];
        label.CopyTo(input, 0);
        body.CopyTo(input.AsSpan(label.Length + 1));
        return input;
    }
}
