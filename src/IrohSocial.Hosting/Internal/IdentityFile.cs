using IrohSocial.Crypto;

namespace IrohSocial.Hosting.Internal;

/// <summary>Loads the identity seed from a hex file, or creates one readable by the owner only.</summary>
internal static class IdentityFile
{
    public static async Task<(SecretKey Key, bool Created)> LoadOrCreateAsync(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            var text = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
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

        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
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
                var writer = new StreamWriter(file);
                await using (writer.ConfigureAwait(false))
                {
                    await writer.WriteAsync(Convert.ToHexStringLower(bytes).AsMemory(), cancellationToken).ConfigureAwait(false);
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
