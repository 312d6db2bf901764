namespace IrohSocial.Messaging;

/// <summary>
/// When the outbox tries again after a failed delivery: exponential backoff from <see cref="BaseDelay"/>,
/// doubling per failed attempt, capped at <see cref="MaxDelay"/>. Seeing the peer (an inbound connection from it)
/// or <see cref="DmClient.FlushOutboxAsync"/> skips the wait.
/// </summary>
public sealed record OutboxRetryPolicy
{
    /// <summary>1 s base, 60 s cap.</summary>
    public static OutboxRetryPolicy Default { get; } = new();

    /// <summary>Delay after the first failure.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest delay between attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait after <paramref name="failedAttempts"/> consecutive failures (1 gives <see cref="BaseDelay"/>).</summary>
    internal TimeSpan GetDelay(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(failedAttempts);
        Validate();
        // 2^(n-1) grows past any cap quickly; stop doubling once over it to avoid overflow.
        var delay = BaseDelay;
        for (var i = 1; i < failedAttempts && delay < MaxDelay; i++)
        {
            delay += delay;
        }

        return delay < MaxDelay ? delay : MaxDelay;
    }

    internal void Validate()
    {
        if (BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentException("OutboxRetryPolicy needs 0 < BaseDelay <= MaxDelay.");
        }
    }
}
