using IrohSocial.Crypto;

namespace IrohSocial.Web.Server;

/// <summary>
/// Small files of the app's own (contacts, sent copies of older versions) sealed with the identity's
/// <see cref="AtRestSealer"/> (XChaCha20-Poly1305, bound to what the file is), written owner-only and atomically.
/// </summary>
internal static class SealedFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="path"/> (temporary file, flushed, moved into place).</summary>
    public static void Write(string path, ReadOnlySpan<byte> plaintext, AtRestSealer sealer, ReadOnlySpan<byte> binding)
    {
        var sealedBytes = sealer.Seal(plaintext, binding);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, options))
        {
            file.Write(sealedBytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Opens a file written by <see cref="Write"/>; null when it does not authenticate (altered, other identity or binding).</summary>
    public static byte[]? Read(string path, AtRestSealer sealer, ReadOnlySpan<byte> binding) =>
        sealer.TryOpen(File.ReadAllBytes(path), binding, out var plaintext) ? plaintext : null;

    /// <summary>
    /// Overwrites a clear file of an older version with zeros, then deletes it. Best effort against recovery: a
    /// copy-on-write or journaling file system or an SSD may keep the old blocks.
    /// </summary>
    public static void SecureDelete(string path)
    {
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Write(new byte[file.Length]);
            file.Flush(flushToDisk: true);
        }

        File.Delete(path);
    }
}
