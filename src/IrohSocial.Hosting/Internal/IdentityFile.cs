using IrohSocial.Crypto;

namespace IrohSocial.Hosting.Internal;

/// <summary>
/// Loads the identity from its file (a passphrase-protected <see cref="ProtectedSecretKey"/>, or a plain hex seed),
/// or creates one readable by the owner only (protected when a passphrase is given) in an owner-only folder.
/// </summary>
internal static class IdentityFile
{
    public static async Task<(SecretKey Key, bool Created)> LoadOrCreateAsync(string path, string? passphrase, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            if (ProtectedSecretKey.IsProtected(content))
            {
                if (passphrase is null)
                {
                    throw new InvalidOperationException($"The identity file {path} is passphrase-protected; set IdentityPassphraseProvider.");
                }

                return (ProtectedSecretKey.TryUnprotect(content, passphrase)
                    ?? throw new InvalidOperationException($"The passphrase does not open the identity file {path} (or the file was altered)."), false);
            }

            var text = System.Text.Encoding.ASCII.GetString(content).Trim();
            byte[] seed;
            try
            {
                seed = Convert.FromHexString(text);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"The identity file {path} does not hold hex.", ex);
            }

            try
            {
                if (seed.Length != SecretKey.Size)
                {
                    throw new InvalidOperationException($"The identity file {path} must hold {SecretKey.Size} bytes.");
                }

                return (SecretKey.Import(seed), false);
            }
            finally
            {
                Array.Clear(seed);
            }
        }

        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder && !Directory.Exists(folder))
        {
            // The data folder is the user's alone (0700 on Unix): it holds the identity and the database.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var key = SecretKey.Generate();
        var bytes = new byte[SecretKey.Size];
        try
        {
            key.Export(bytes);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var file = new FileStream(path, options);
            await using (file.ConfigureAwait(false))
            {
                if (passphrase is not null)
                {
                    await file.WriteAsync(ProtectedSecretKey.Protect(key, passphrase), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var writer = new StreamWriter(file);
                    await using (writer.ConfigureAwait(false))
                    {
                        await writer.WriteAsync(Convert.ToHexStringLower(bytes).AsMemory(), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            return (key, true);
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
}
