using System.Buffers.Binary;
using System.Text;
using IrohSocial.Crypto;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// Schema 6, "extension records": one <c>records</c> table for what extensions keep per peer (call history, filed by
/// Media). A row shows its kind name and two blind indexes (of kind + id, and of the peer); the id, the time and the
/// body are sealed together and bound to the row. The migration moves every schema-5 <c>calls</c> row into it (kind
/// <see cref="LegacyCallRow.Kind"/>) through <see cref="RegisterFunctions"/>, inside the migration's transaction.
/// </summary>
/// <remarks>Sealed layout (big-endian): <c>u8 version=1 || i64 time ms || u16 id length || id (UTF-8) || body</c>.</remarks>
internal static class RecordSchema
{
    public const int Version = 6;
    public const string RecordLabel = "iroh-social/blind-index/records/1";
    private const byte LayoutVersion = 1;
    private const int FixedSize = 1 + 8 + 2;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public const string Migration =
        """
        CREATE TABLE records (
            kind TEXT NOT NULL,
            id_tag BLOB NOT NULL,
            peer_tag BLOB NOT NULL,
            record BLOB NOT NULL,
            PRIMARY KEY (kind, id_tag)
        ) WITHOUT ROWID;
        CREATE INDEX ix_records_peer ON records(kind, peer_tag);
        INSERT OR IGNORE INTO peer_directory(tag, peer)
            SELECT iroh_legacy_call(id_tag, record, 'peer_tag'), iroh_legacy_call(id_tag, record, 'directory') FROM calls;
        INSERT OR REPLACE INTO records(kind, id_tag, peer_tag, record)
            SELECT 'call.record', iroh_legacy_call(id_tag, record, 'id_tag'), iroh_legacy_call(id_tag, record, 'peer_tag'),
                   iroh_legacy_call(id_tag, record, 'record') FROM calls;
        DROP TABLE calls;
        """;

    public static byte[] Encode(string id, long timeMs, ReadOnlySpan<byte> body)
    {
        var idBytes = StrictUtf8.GetBytes(id);
        if (idBytes.Length is 0 or > Messaging.Storage.StoredRecord.MaxIdBytes)
        {
            throw new ArgumentException($"A record id must be 1 to {Messaging.Storage.StoredRecord.MaxIdBytes} bytes of UTF-8.", nameof(id));
        }

        var result = new byte[FixedSize + idBytes.Length + body.Length];
        result[0] = LayoutVersion;
        BinaryPrimitives.WriteInt64BigEndian(result.AsSpan(1), timeMs);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(9), (ushort)idBytes.Length);
        idBytes.CopyTo(result.AsSpan(FixedSize));
        body.CopyTo(result.AsSpan(FixedSize + idBytes.Length));
        return result;
    }

    /// <exception cref="InvalidDataException">The bytes do not fit the layout.</exception>
    public static (string Id, long TimeMs, byte[] Body) Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < FixedSize || data[0] != LayoutVersion || !RowCodec.TryDecodeTime(data.Slice(1, 8), out var timeMs))
        {
            throw new InvalidDataException("A record row does not hold a record.");
        }

        int idLength = BinaryPrimitives.ReadUInt16BigEndian(data[9..]);
        if (idLength is 0 or > Messaging.Storage.StoredRecord.MaxIdBytes || data.Length < FixedSize + idLength)
        {
            throw new InvalidDataException("A record row does not hold a record.");
        }

        try
        {
            return (StrictUtf8.GetString(data.Slice(FixedSize, idLength)), timeMs, data[(FixedSize + idLength)..].ToArray());
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException("A record row's id is not UTF-8.", ex);
        }
    }

    /// <summary>Binds a sealed record to its kind, id tag and peer tag, so it cannot move to another row or peer.</summary>
    public static byte[] Binding(string kind, ReadOnlySpan<byte> idTag, ReadOnlySpan<byte> peerTag) =>
        Encoding.ASCII.GetBytes($"records/1:{kind}\0{Convert.ToHexStringLower(idTag)}\0{Convert.ToHexStringLower(peerTag)}");

    /// <summary>Registers <c>iroh_legacy_call(id_tag, sealed row, part)</c>, which <see cref="Migration"/> calls.</summary>
    public static void RegisterFunctions(SqliteConnection connection, AtRestSealer sealer, PeerDirectory directory)
    {
        connection.CreateFunction("iroh_legacy_call", (byte[] idTag, byte[] sealedRow, string part) =>
        {
            var call = LegacyCallRow.Decode(sealer.Open(sealedRow, LegacyCallRow.Binding(idTag)));
            if (!directory.CallTag(call.CallId).AsSpan().SequenceEqual(idTag))
            {
                throw new InvalidDataException("A call row does not match its key.");
            }

            var peerTag = directory.Tag(call.Peer);
            var recordTag = directory.RecordTag(LegacyCallRow.Kind, call.CallId);
            return part switch
            {
                "id_tag" => recordTag,
                "peer_tag" => peerTag,
                "directory" => directory.Seal(call.Peer, peerTag),
                "record" => sealer.Seal(Encode(call.CallId, call.StartedMs, call.ToRecordBody()), Binding(LegacyCallRow.Kind, recordTag, peerTag)),
                _ => throw new ArgumentOutOfRangeException(nameof(part)),
            };
        }, isDeterministic: true);
    }
}
