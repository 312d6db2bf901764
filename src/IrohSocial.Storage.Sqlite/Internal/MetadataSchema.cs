using IrohSocial.Crypto;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// Schema 5, "metadata at rest": peer ids leave every table for a blind index (<see cref="PeerDirectory"/>), message
/// and group message times, outbox schedules, tickets and whole call rows are sealed. The migration rewrites each table in SQL through
/// functions that the store registers on its connection (<see cref="RegisterFunctions"/>), so it runs inside the
/// migration's one transaction: it either converts every row or, on any error, leaves the file as it was.
/// </summary>
internal static class MetadataSchema
{
    /// <summary>The version this migration produces.</summary>
    public const int Version = 5;

    public const string Migration =
        """
        CREATE TABLE store_key (id INTEGER PRIMARY KEY CHECK (id = 1), probe BLOB NOT NULL);
        INSERT INTO store_key(id, probe) VALUES (1, iroh_key_probe());
        CREATE TABLE peer_directory (tag BLOB PRIMARY KEY, peer BLOB NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO peer_directory(tag, peer)
            SELECT iroh_peer_tag(peer), iroh_seal_peer(peer) FROM (
                SELECT peer FROM messages WHERE deleted = 0 UNION SELECT peer FROM outbox UNION SELECT peer FROM sessions
                UNION SELECT peer FROM peers UNION SELECT peer FROM seen_controls);

        CREATE TABLE messages_v5 (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            peer_tag BLOB NOT NULL,
            direction INTEGER NOT NULL,
            status INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            sent BLOB NULL,
            body BLOB NULL,
            seal_version INTEGER NOT NULL DEFAULT 2
        );
        INSERT INTO messages_v5(seq, id, peer_tag, direction, status, deleted, sent, body, seal_version)
            SELECT seq, id, iroh_peer_tag(peer), direction, status, deleted,
                   iroh_seal_message_time(id, peer, timestamp_ms), body, seal_version
            FROM messages;
        DROP TABLE messages;
        ALTER TABLE messages_v5 RENAME TO messages;
        CREATE INDEX ix_messages_peer ON messages(peer_tag, deleted, seq);

        CREATE TABLE outbox_v5 (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            peer_tag BLOB NOT NULL,
            schedule BLOB NOT NULL,
            payload BLOB NOT NULL
        );
        INSERT INTO outbox_v5(seq, id, peer_tag, schedule, payload)
            SELECT seq, id, iroh_peer_tag(peer), iroh_seal_schedule(id, created_ms, attempts, next_attempt_ms), payload FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v5 RENAME TO outbox;
        CREATE INDEX ix_outbox_peer ON outbox(peer_tag, seq);

        CREATE TABLE sessions_v5 (peer_tag BLOB PRIMARY KEY, state BLOB NOT NULL);
        INSERT INTO sessions_v5(peer_tag, state) SELECT iroh_peer_tag(peer), state FROM sessions;
        DROP TABLE sessions;
        ALTER TABLE sessions_v5 RENAME TO sessions;

        CREATE TABLE peers_v5 (peer_tag BLOB PRIMARY KEY, ticket BLOB NOT NULL);
        INSERT INTO peers_v5(peer_tag, ticket) SELECT iroh_peer_tag(peer), iroh_seal_ticket(peer, ticket) FROM peers;
        DROP TABLE peers;
        ALTER TABLE peers_v5 RENAME TO peers;

        CREATE TABLE calls_v5 (id_tag BLOB PRIMARY KEY, record BLOB NOT NULL);
        INSERT INTO calls_v5(id_tag, record)
            SELECT iroh_call_tag(call_id), iroh_seal_call(call_id, peer, direction, started_ms, duration_ms, had_video, ended_reason) FROM calls;
        DROP TABLE calls;
        ALTER TABLE calls_v5 RENAME TO calls;

        CREATE TABLE group_messages_v5 (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            group_id BLOB NOT NULL,
            direction INTEGER NOT NULL,
            status INTEGER NOT NULL,
            sent BLOB NOT NULL,
            body BLOB NOT NULL
        );
        INSERT INTO group_messages_v5(seq, id, group_id, direction, status, sent, body)
            SELECT seq, id, group_id, direction, status, iroh_seal_group_time(id, group_id, timestamp_ms), body FROM group_messages;
        DROP TABLE group_messages;
        ALTER TABLE group_messages_v5 RENAME TO group_messages;
        CREATE INDEX ix_group_messages_group ON group_messages(group_id, seq);

        CREATE TABLE seen_controls_v5 (peer_tag BLOB NOT NULL, id TEXT NOT NULL, PRIMARY KEY (peer_tag, id)) WITHOUT ROWID;
        INSERT OR IGNORE INTO seen_controls_v5(peer_tag, id) SELECT iroh_peer_tag(peer), id FROM seen_controls;
        DROP TABLE seen_controls;
        ALTER TABLE seen_controls_v5 RENAME TO seen_controls;
        """;

    /// <summary>
    /// Associated data of the store's key probe: an empty value sealed when the file is created (or migrated), so a
    /// store opened with another identity is refused at once instead of reading as empty (its tags would all differ).
    /// </summary>
    public static ReadOnlySpan<byte> KeyProbeBinding => "iroh-social/store-key-probe/1"u8;

    /// <summary>Registers the functions <see cref="Migration"/> calls; they seal exactly as the store does.</summary>
    public static void RegisterFunctions(SqliteConnection connection, AtRestSealer sealer, PeerDirectory directory)
    {
        connection.CreateFunction("iroh_key_probe", () => sealer.Seal([], KeyProbeBinding));
        connection.CreateFunction("iroh_peer_tag", (byte[] peer) => directory.Tag(new EndpointId(peer)), isDeterministic: true);
        connection.CreateFunction("iroh_seal_peer", (byte[] peer) => directory.Seal(new EndpointId(peer), directory.Tag(new EndpointId(peer))));
        connection.CreateFunction("iroh_seal_message_time", (string id, byte[] peer, long timestampMs) =>
            sealer.Seal(RowCodec.EncodeTime(timestampMs), RowCodec.MessageTimeBinding(id, new EndpointId(peer))));
        connection.CreateFunction("iroh_seal_group_time", (string id, byte[] group, long timestampMs) =>
            sealer.Seal(RowCodec.EncodeTime(timestampMs), RowCodec.GroupMessageTimeBinding(id, new Messaging.Groups.GroupId(group))));
        connection.CreateFunction("iroh_seal_schedule", (string id, long createdMs, long attempts, long nextMs) =>
            sealer.Seal(RowCodec.EncodeSchedule(createdMs, checked((int)attempts), nextMs), RowCodec.ScheduleBinding(id)));
        connection.CreateFunction("iroh_seal_ticket", (byte[] peer, string ticket) =>
            sealer.Seal(System.Text.Encoding.UTF8.GetBytes(ticket), RowCodec.TicketBinding(new EndpointId(peer))));
        connection.CreateFunction("iroh_call_tag", (string id) => directory.CallTag(id), isDeterministic: true);
        connection.CreateFunction("iroh_seal_call", (string id, byte[] peer, long direction, long startedMs, long durationMs, long video, long reason) =>
        {
            var call = new LegacyCallRow(id, new EndpointId(peer), checked((byte)direction), startedMs, durationMs, video != 0, checked((byte)reason));
            return sealer.Seal(call.Encode(), LegacyCallRow.Binding(directory.CallTag(id)));
        });
    }
}
