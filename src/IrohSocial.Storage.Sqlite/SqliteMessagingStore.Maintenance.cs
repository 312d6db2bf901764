using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite;

public sealed partial class SqliteMessagingStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> GetAllOutboxAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<OutboxEntry>>(() =>
        {
            var result = new List<OutboxEntry>();
            using var reader = Query("SELECT id, peer, created_ms, attempts, next_attempt_ms, payload FROM outbox ORDER BY seq;");
            while (reader.Read())
            {
                var id = reader.GetString(0);
                var payload = _sealer.Open((byte[])reader.GetValue(5), OutboxBinding(id));
                result.Add(new OutboxEntry(id, new EndpointId((byte[])reader.GetValue(1)), payload, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    reader.GetInt32(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>>(() =>
        {
            // Ids only: no body is unsealed.
            var result = new List<string>();
            using var reader = Query("SELECT id FROM messages WHERE peer = $p AND deleted = 0 ORDER BY timestamp_ms, seq;", ("$p", peer.ToArray()));
            while (reader.Read())
            {
                result.Add(reader.GetString(0));
            }

            return result;
        }, cancellationToken);
}
