using IrohSocial.Crypto;
using IrohSocial.Mailbox.Storage;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Mailbox;

/// <summary>Settings of a <see cref="MailboxService"/>. Validated once by <see cref="MailboxService.Start"/>.</summary>
public sealed record MailboxServiceOptions
{
    /// <summary>Where blobs live (for example <c>SqliteMailboxStore</c>). Not owned: dispose it after the service.</summary>
    public required IMailboxStore Store { get; init; }

    /// <summary>Identities this host keeps a mailbox for; null (the default) means any identity that asks.</summary>
    public IReadOnlyList<EndpointId>? Owners { get; init; }

    /// <summary>Largest blob accepted, in bytes. Default 1 MiB (the largest padded size, <see cref="MailboxPadding"/>).</summary>
    public int MaxBlobSize { get; init; } = 1 << 20;

    /// <summary>Limit on one owner's mailbox. Default 64 MiB.</summary>
    public long MaxBytesPerOwner { get; init; } = 64L << 20;

    /// <summary>Limit on what one depositor keeps in one owner's mailbox. Default 16 MiB.</summary>
    public long MaxBytesPerDepositor { get; init; } = 16L << 20;

    /// <summary>Limit on everything the host keeps. Default 1 GiB.</summary>
    public long MaxTotalBytes { get; init; } = 1L << 30;

    /// <summary>Longest time a blob is kept; longer TTLs asked by depositors are cut to it. Default 30 days.</summary>
    public TimeSpan MaxTimeToLive { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Deposits one identity may make per second, on average. Default 20.</summary>
    public double DepositsPerSecond { get; init; } = 20;

    /// <summary>Deposits one identity may make in a burst. Default 200 (an outbox that waited a while).</summary>
    public int DepositBurst { get; init; } = 200;

    /// <summary>How often expired blobs are deleted. Default 1 minute.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Clock for TTLs, the sweep and the rate limit (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logging; none when null. Nothing of a blob is ever logged.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Where the service's <c>IrohSocial.Mailbox</c> meter comes from (the host's); null: the service creates its own
    /// and disposes it. See docs/observability.md.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    internal MailboxQuota Quota => new(MaxBytesPerOwner, MaxBytesPerDepositor, MaxTotalBytes);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Store);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBlobSize, 1, nameof(MaxBlobSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBlobSize, 1 << 20, nameof(MaxBlobSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesPerOwner, 1, nameof(MaxBytesPerOwner));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesPerDepositor, 1, nameof(MaxBytesPerDepositor));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTotalBytes, 1, nameof(MaxTotalBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTimeToLive, TimeSpan.FromSeconds(1), nameof(MaxTimeToLive));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DepositsPerSecond, 0, nameof(DepositsPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(DepositBurst, 1, nameof(DepositBurst));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SweepInterval, TimeSpan.Zero, nameof(SweepInterval));
    }
}
