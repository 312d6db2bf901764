namespace IrohSocial.Messaging;

/// <summary>Outcome of <see cref="DmClient.FlushOutboxAsync"/>.</summary>
/// <param name="Sent">Entries the peers acknowledged during the flush.</param>
/// <param name="Failed">Entries still queued afterwards (they stay queued and are retried later).</param>
/// <param name="Deposited">Entries left in the peers' mailboxes because the peers could not be reached (no longer queued).</param>
public readonly record struct OutboxFlushResult(int Sent, int Failed, int Deposited = 0);
