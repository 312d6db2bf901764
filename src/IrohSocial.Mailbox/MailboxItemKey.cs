using IrohSocial.Crypto;

namespace IrohSocial.Mailbox;

/// <summary>Names one blob in an owner's mailbox: ids are chosen by depositors, so they are unique per depositor.</summary>
/// <param name="Depositor">The TLS-proven identity that deposited it.</param>
/// <param name="Id">The depositor's id for it (1-64 ASCII characters).</param>
public readonly record struct MailboxItemKey(EndpointId Depositor, string Id);

/// <summary>A blob waiting in a mailbox, as listed to its owner.</summary>
/// <param name="Key">Depositor and id.</param>
/// <param name="Size">Blob size in bytes.</param>
/// <param name="DepositedAt">When the host stored it.</param>
/// <param name="ExpiresAt">When the host deletes it unless acknowledged before.</param>
public sealed record MailboxEntry(MailboxItemKey Key, int Size, DateTimeOffset DepositedAt, DateTimeOffset ExpiresAt);

/// <summary>An owner's mailbox at a glance.</summary>
/// <param name="Count">Blobs waiting.</param>
/// <param name="Bytes">Their total size.</param>
/// <param name="AllowedDepositors">Who may deposit; null means anyone (rate-limited).</param>
public sealed record MailboxStats(int Count, long Bytes, IReadOnlyList<EndpointId>? AllowedDepositors);
