using IrohSocial.Messaging.Backup;

namespace IrohSocial.Messaging;

/// <summary>How <see cref="DmClient.ExportAsync"/> seals a backup. The values are written into the file's header.</summary>
public sealed record BackupOptions
{
    /// <summary>Argon2id with 3 passes over 64 MiB (libsodium's "interactive" memory, "moderate" passes): about a second.</summary>
    public static BackupOptions Default { get; } = new();

    /// <summary>Argon2id passes (libsodium <c>opslimit</c>), 3 to 16.</summary>
    public uint OpsLimit { get; init; } = 3;

    /// <summary>Argon2id memory in bytes (libsodium <c>memlimit</c>), 8 KiB to 1 GiB.</summary>
    public uint MemLimit { get; init; } = 64 * 1024 * 1024;

    /// <summary>Plaintext bytes per sealed chunk, 1 KiB to 4 MiB.</summary>
    public int ChunkSize { get; init; } = 64 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(OpsLimit, BackupFormat.MinOpsLimit, nameof(OpsLimit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(OpsLimit, BackupFormat.MaxOpsLimit, nameof(OpsLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(MemLimit, BackupFormat.MinMemLimit, nameof(MemLimit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MemLimit, BackupFormat.MaxMemLimit, nameof(MemLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, BackupFormat.MinChunkSize, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ChunkSize, BackupFormat.MaxChunkSize, nameof(ChunkSize));
    }
}

/// <summary>What an export wrote or an import added.</summary>
/// <param name="Messages">Messages in the file (export) or newly stored (import; ones already present are skipped).</param>
/// <param name="Attachments">Attachment files included (export) or written (import).</param>
/// <param name="Records">Extension records, such as call-history entries (import: replaced by kind and id).</param>
/// <param name="Contacts">Saved peer addresses (import: only peers without one are filled in).</param>
public sealed record BackupSummary(int Messages, int Attachments, int Records, int Contacts);
