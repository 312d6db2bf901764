namespace IrohSocial.Messaging;

/// <summary>Outcome of <see cref="DmClient.FlushOutboxAsync"/>.</summary>
/// <param name="Sent">Entries the peers acknowledged during the flush.</param>
/// <param name="Failed">Entries still queued afterwards (they stay queued and are retried later).</param>
public readonly record struct OutboxFlushResult(int Sent, int Failed);
