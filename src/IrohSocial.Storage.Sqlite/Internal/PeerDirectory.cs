using System.Buffers.Binary;
using System.Text;
using IrohSocial.Crypto;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// Blind indexes of the store (schema 5): rows name their peer by a 16-byte tag (<see cref="BlindIndex"/>, label
/// <see cref="PeerLabel"/>), extension records (schema 6) are keyed by a tag of kind and id
/// (<see cref="RecordSchema.RecordLabel"/>); schema 5's call rows were keyed by a tag of the call id
/// (<see cref="LegacyCallRow.CallLabel"/>, kept for migrations). The one place that
/// maps a tag back to its peer is the <c>peer_directory</c> table, where the peer id is sealed and bound to its tag;
/// resolved tags are remembered for the life of the store (the directory never changes a tag's peer).
/// </summary>
internal sealed class PeerDirectory : IDisposable
{
    public const string PeerLabel = "iroh-social/blind-index/peers/1";

    private readonly AtRestSealer _sealer;
    private readonly BlindIndex _peers;
    private readonly BlindIndex _calls;
    private readonly BlindIndex _records;
    private readonly Dictionary<UInt128, EndpointId> _resolved = [];

    public PeerDirectory(AtRestSealer sealer)
    {
        _sealer = sealer;
        _peers = new BlindIndex(sealer, PeerLabel);
        _calls = new BlindIndex(sealer, LegacyCallRow.CallLabel);
        _records = new BlindIndex(sealer, RecordSchema.RecordLabel);
    }

    public byte[] Tag(EndpointId peer) => _peers.Compute(peer);

    public byte[] CallTag(string callId) => _calls.Compute(Encoding.UTF8.GetBytes(callId));

    /// <summary>The key of an extension record: a tag of its kind and id (the kind name has no NUL).</summary>
    public byte[] RecordTag(string kind, string id) => _records.Compute(Encoding.UTF8.GetBytes(kind + "\0" + id));

    /// <summary>The directory's sealed value for <paramref name="peer"/> under <paramref name="tag"/>.</summary>
    public byte[] Seal(EndpointId peer, ReadOnlySpan<byte> tag)
    {
        Span<byte> raw = stackalloc byte[EndpointId.Size];
        peer.CopyTo(raw);
        return _sealer.Seal(raw, RowCodec.DirectoryBinding(tag));
    }

    /// <summary>A peer already resolved for <paramref name="tag"/>, if any.</summary>
    public bool TryGetResolved(ReadOnlySpan<byte> tag, out EndpointId peer) => _resolved.TryGetValue(Key(tag), out peer);

    /// <summary>Opens a directory row and checks that its peer really has this tag.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The row was altered or moved.</exception>
    public EndpointId Open(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> sealedPeer)
    {
        var raw = _sealer.Open(sealedPeer, RowCodec.DirectoryBinding(tag));
        if (raw.Length != EndpointId.Size)
        {
            throw new InvalidDataException("A peer directory row holds no peer id.");
        }

        var peer = new EndpointId(raw);
        if (!Tag(peer).AsSpan().SequenceEqual(tag))
        {
            throw new InvalidDataException("A peer directory row does not match its tag.");
        }

        _resolved[Key(tag)] = peer;
        return peer;
    }

    public void Dispose()
    {
        _peers.Dispose();
        _calls.Dispose();
        _records.Dispose();
    }

    private static UInt128 Key(ReadOnlySpan<byte> tag) => tag.Length == BlindIndex.TagSize
        ? BinaryPrimitives.ReadUInt128BigEndian(tag)
        : throw new InvalidDataException("A peer tag has the wrong length.");
}
