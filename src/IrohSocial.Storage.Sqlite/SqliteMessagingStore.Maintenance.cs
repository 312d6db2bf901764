using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite;

public sealed partial class SqliteMessagingStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> GetAllOutboxAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<OutboxEntry>>(() =>
        {
            var rows = new List<(string Id, byte[] Tag, byte[] Schedule, byte[] Payload)>();
            using (var reader = Query("SELECT id, peer_tag, schedule, payload FROM outbox ORDER BY seq;"))
            {
                while (reader.Read())
                {
                    rows.Add((reader.GetString(0), (byte[])reader.GetValue(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3)));
                }
            }

            return rows.Select(r => ReadOutboxEntry(r.Id, PeerOf(r.Tag, null), r.Schedule, r.Payload)).ToList();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>>(() => MessageIds(peer, IdsSql), cancellationToken); // no body or time is unsealed
}
