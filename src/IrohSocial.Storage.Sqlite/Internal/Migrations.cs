namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>Schema versions, applied in order; <c>PRAGMA user_version</c> records the last one applied.</summary>
internal static class Migrations
{
    /// <summary>Index i holds the script that takes the schema from version i to i + 1.</summary>
    public static readonly IReadOnlyList<string> Scripts =
    [
        """
        CREATE TABLE messages (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            peer BLOB NOT NULL,
            direction INTEGER NOT NULL,
            timestamp_ms INTEGER NOT NULL,
            status INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            body BLOB NULL
        );
        CREATE INDEX ix_messages_peer_time ON messages(peer, deleted, timestamp_ms, seq);
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            peer BLOB NOT NULL,
            created_ms INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_ms INTEGER NOT NULL,
            payload BLOB NOT NULL
        );
        CREATE INDEX ix_outbox_peer ON outbox(peer, seq);
        CREATE TABLE sessions (peer BLOB PRIMARY KEY, state BLOB NOT NULL);
        CREATE TABLE peers (peer BLOB PRIMARY KEY, ticket TEXT NOT NULL);
        CREATE TABLE calls (
            call_id TEXT PRIMARY KEY,
            peer BLOB NOT NULL,
            direction INTEGER NOT NULL,
            started_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            had_video INTEGER NOT NULL,
            ended_reason INTEGER NOT NULL
        );
        CREATE INDEX ix_calls_started ON calls(started_ms);
        """,
        // 1 -> 2: ids of applied controls that must never act twice (call signals), per peer.
        """
        CREATE TABLE seen_controls (peer BLOB NOT NULL, id TEXT NOT NULL, PRIMARY KEY (peer, id)) WITHOUT ROWID;
        """,
        // 2 -> 3: which associated data sealed a message body (1: "messages:" + id; 2: also peer, direction and
        // timestamp). The store re-seals version-1 bodies right after this step (it needs the key, SQL cannot).
        """
        ALTER TABLE messages ADD COLUMN seal_version INTEGER NOT NULL DEFAULT 1;
        """,
        // 3 -> 4: groups (state and messages, sealed).
        GroupSchema.Migration,
        // 4 -> 5: metadata at rest (blind-indexed peers; sealed times, schedules, tickets and call rows).
        MetadataSchema.Migration,
        // 5 -> 6: extension records (call rows become records of kind "call.record").
        RecordSchema.Migration,
        // 6 -> 7: a sealed summary row per conversation (the store fills it in the same transaction: it needs the key).
        ConversationSchema.Migration,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Scripts.Count;
}
