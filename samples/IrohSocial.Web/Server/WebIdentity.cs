using IrohSocial.Crypto;

namespace IrohSocial.Web.Server;

/// <summary>
/// The app's identity file (<c>identity.key</c>, the hex seed Hosting also reads), loaded by the app itself: the node
/// gets a copy through <c>SecretKeyProvider</c>, and the app derives the <see cref="AtRestSealer"/> that seals its own
/// files (contacts) from the same key. Created owner-only (0600, in a 0700 folder) when missing.
/// </summary>
internal static class WebIdentity
{
    public static SecretKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var content = File.ReadAllBytes(path);
            if (ProtectedSecretKey.IsProtected(content))
            {
                throw new InvalidOperationException($"The identity file {path} is passphrase-protected; the web sample does not ask for passphrases.");
            }

            var seed = Convert.FromHexString(System.Text.Encoding.ASCII.GetString(content).Trim());
            try
            {
                return seed.Length == SecretKey.Size ? SecretKey.Import(seed) : throw new InvalidOperationException($"The identity file {path} must hold {SecretKey.Size} bytes of hex.");
            }
            finally
            {
                Array.Clear(seed);
                Array.Clear(content);
            }
        }

        var key = SecretKey.Generate();
        var bytes = new byte[SecretKey.Size];
        try
        {
            key.Export(bytes);
            var hex = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(bytes));
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(path, options))
            {
                file.Write(hex);
                file.Flush(flushToDisk: true);
            }

            Array.Clear(hex);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    /// <summary>A copy of <paramref name="key"/> for a component that disposes what it is given (the hosted node).</summary>
    public static SecretKey Copy(SecretKey key)
    {
        Span<byte> seed = stackalloc byte[SecretKey.Size];
        try
        {
            key.Export(seed);
            return SecretKey.Import(seed);
        }
        finally
        {
            seed.Clear();
        }
    }
}
