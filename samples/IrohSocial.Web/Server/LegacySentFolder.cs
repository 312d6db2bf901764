namespace IrohSocial.Web.Server;

/// <summary>
/// Older versions kept the sender's copy of every uploaded file in clear in <c>sent/</c> (<c>{message id}-a{n}</c>).
/// The SDK now keeps a sealed copy of its own, so at start every clear file there is sealed in place
/// (<c>.sealed</c>, bound to its name) and overwritten and deleted; staged uploads a crash left behind are deleted.
/// The download endpoint still serves the sealed ones, decrypted on demand.
/// </summary>
internal static class LegacySentFolder
{
    public const string FolderName = "sent";
    private const string SealedSuffix = ".sealed";

    /// <summary>Seals every clear file in the folder (if there is one).</summary>
    public static void SealInPlace(string folder, Crypto.AtRestSealer sealer)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(SealedSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!name.StartsWith("upload-", StringComparison.Ordinal))
            {
                var bytes = File.ReadAllBytes(path);
                SealedFile.Write(path + SealedSuffix, bytes, sealer, Binding(name));
                Array.Clear(bytes);
            }

            SealedFile.SecureDelete(path);
        }
    }

    /// <summary>The sealed copy of <paramref name="fileName"/> (<c>{message id}-{attachment id}</c>), or null.</summary>
    public static byte[]? Open(string folder, string fileName, Crypto.AtRestSealer sealer)
    {
        var path = Path.Combine(folder, fileName + SealedSuffix);
        return File.Exists(path) ? SealedFile.Read(path, sealer, Binding(fileName)) : null;
    }

    private static byte[] Binding(string fileName) => System.Text.Encoding.UTF8.GetBytes("irohsocial-web/sent/1:" + fileName);
}
