namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// The database and its companions are the user's alone (0600 on Unix), whatever folder they are in: the file is
/// created with that mode before SQLite opens it (SQLite gives the WAL and shared-memory files the database file's
/// mode), and files left looser by older versions are tightened.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Ensure(string databasePath)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // files under the user's profile inherit its owner-only ACL
        }

        if (!File.Exists(databasePath))
        {
            try
            {
                new FileStream(databasePath, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerReadWrite }).Dispose();
            }
            catch (IOException) when (File.Exists(databasePath))
            {
                // Created meanwhile: tightened below like any existing file.
            }
        }

        foreach (var file in new[] { databasePath, databasePath + "-wal", databasePath + "-shm", databasePath + ".lock", databasePath + ".lock-owner" })
        {
            if (File.Exists(file) && (File.GetUnixFileMode(file) & ~OwnerReadWrite) != 0)
            {
                File.SetUnixFileMode(file, File.GetUnixFileMode(file) & OwnerReadWrite);
            }
        }
    }
}
