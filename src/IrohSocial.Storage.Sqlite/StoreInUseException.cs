namespace IrohSocial.Storage.Sqlite;

/// <summary>
/// Another store instance (usually another process) holds the database file: two writers on one file would take
/// turns receiving messages and reset each other's sessions, so the second one is refused.
/// </summary>
public sealed class StoreInUseException : IOException
{
    /// <summary>Creates the exception for <paramref name="databasePath"/> held by <paramref name="holder"/>.</summary>
    /// <param name="databasePath">The database file that is in use.</param>
    /// <param name="holder">Who holds it, as it recorded itself (process id, host, since when); null when unknown.</param>
    public StoreInUseException(string databasePath, string? holder)
        : base($"The store {databasePath} is in use by {holder ?? "another process (it did not say which)"}. Stop that process or use another data folder.")
    {
        DatabasePath = databasePath;
        Holder = holder;
    }

    /// <summary>The database file that is in use.</summary>
    public string DatabasePath { get; }

    /// <summary>Who holds it, e.g. <c>"process 4242 on host alice-laptop since 2026-12-06T03:30:00Z"</c>; null when unknown.</summary>
    public string? Holder { get; }
}
