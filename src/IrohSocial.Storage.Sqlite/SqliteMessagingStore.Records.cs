using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite;

public sealed partial class SqliteMessagingStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredRecord>> GetRecordsAsync(string? kind, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadAsync<IReadOnlyList<StoredRecord>>(() =>
        {
            // Times are sealed, so the matching rows are opened and sorted here; extension records are few (a call history).
            var where = (kind, peer) switch
            {
                (null, null) => "",
                (_, null) => " WHERE kind = $k",
                (null, _) => " WHERE peer_tag = $p",
                _ => " WHERE kind = $k AND peer_tag = $p",
            };
            var rows = new List<(string Kind, byte[] IdTag, byte[] PeerTag, byte[] Sealed)>();
            using (var reader = Query("SELECT kind, id_tag, peer_tag, record FROM records" + where + ";",
                ("$k", kind ?? ""), ("$p", peer is { } p ? _directory.Tag(p) : [])))
            {
                while (reader.Read())
                {
                    rows.Add((reader.GetString(0), (byte[])reader.GetValue(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3)));
                }
            }

            var records = new List<StoredRecord>(rows.Count);
            foreach (var row in rows)
            {
                var (id, timeMs, body) = RecordSchema.Decode(_sealer.Open(row.Sealed, RecordSchema.Binding(row.Kind, row.IdTag, row.PeerTag)));
                if (!_directory.RecordTag(row.Kind, id).AsSpan().SequenceEqual(row.IdTag))
                {
                    throw new InvalidDataException("A record row does not match its key.");
                }

                records.Add(new StoredRecord(row.Kind, id, PeerOf(row.PeerTag, null), DateTimeOffset.FromUnixTimeMilliseconds(timeMs), body));
            }

            return records.Where(r => before is null || r.Time < before.Value)
                .OrderByDescending(r => r.Time).ThenByDescending(r => r.Id, StringComparer.Ordinal).Take(limit).ToList();
        }, cancellationToken);
    }

    private void ApplyRecord(StoredRecord record, SqliteTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(record.Body);
        // The kind is part of the blind index input and the binding, separated by NUL: it must be a plain name.
        if (record.Kind is not { Length: > 0 and <= 64 } || record.Kind.Any(c => c is < '!' or > '~'))
        {
            throw new ArgumentException("A record kind is 1-64 printable ASCII chars.", nameof(record));
        }

        var idTag = _directory.RecordTag(record.Kind, record.Id);
        var peerTag = EnsurePeer(record.Peer, transaction);
        var sealedRecord = _sealer.Seal(RecordSchema.Encode(record.Id, record.Time.ToUnixTimeMilliseconds(), record.Body), RecordSchema.Binding(record.Kind, idTag, peerTag));
        Run(transaction, "INSERT OR REPLACE INTO records(kind, id_tag, peer_tag, record) VALUES($k, $id, $p, $r);",
            ("$k", record.Kind), ("$id", idTag), ("$p", peerTag), ("$r", sealedRecord));
    }
}
