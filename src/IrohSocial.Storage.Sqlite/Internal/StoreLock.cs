using System.Diagnostics;
using System.Globalization;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// An exclusive lock on a database file for the lifetime of one store: <c>FILE.lock</c> opened with
/// <see cref="FileShare.None"/> (an OS lock — <c>flock</c> on Unix, a share-mode lock on Windows — that the OS drops
/// when the process dies, so a crash never leaves a stale lock). The holder writes who it is to
/// <c>FILE.lock-owner</c>, a separate file because a locked file cannot be read by others on every OS.
/// </summary>
/// <remarks>SQLite's own locks cannot do this: in WAL mode two connections may both write, taking turns.</remarks>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _lock;

    private StoreLock(FileStream lockFile) => _lock = lockFile;

    /// <summary>Takes the lock for <paramref name="databasePath"/>.</summary>
    /// <exception cref="StoreInUseException">Another store instance holds it.</exception>
    public static StoreLock Acquire(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new StoreInUseException(full, ReadHolder(full));
        }

        try
        {
            var since = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            File.WriteAllText(OwnerPath(full), $"process {Environment.ProcessId} ({Process.GetCurrentProcess().ProcessName}) on host {Environment.MachineName} since {since}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Naming the holder is a courtesy to the next opener; the lock itself is what protects the file.
        }

        return new StoreLock(lockFile);
    }

    private static string OwnerPath(string full) => full + ".lock-owner";

    private static string? ReadHolder(string full)
    {
        try
        {
            var text = File.ReadAllText(OwnerPath(full)).Trim();
            return text.Length is > 0 and < 512 ? text : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Releases the lock (the owner file stays; the next holder overwrites it).</summary>
    public void Dispose() => _lock.Dispose();
}
