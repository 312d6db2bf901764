using IrohSocial.Cli.Commands;
using IrohSocial.Crypto;

namespace IrohSocial.Cli;

/// <summary>
/// The identity file of a data folder: a plain hex seed, or a seed sealed under a passphrase
/// (<see cref="ProtectedSecretKey"/>: Argon2id + XChaCha20-Poly1305). The passphrase comes from
/// <c>IROHSOCIAL_PASSPHRASE</c> when set, otherwise from a prompt, and is asked for only when a protected file is
/// opened or a file is being protected. A new identity is protected when the variable is set.
/// </summary>
internal static class CliIdentity
{
    /// <summary>The environment variable that holds the identity passphrase.</summary>
    public const string PassphraseVariable = "IROHSOCIAL_PASSPHRASE";

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The passphrase from the environment, or null.</summary>
    public static string? FromEnvironment(CliConsole? console) =>
        console?.Environment(PassphraseVariable) is { Length: > 0 } value ? value : null;

    /// <summary>The passphrase from the environment, else asked for on the console.</summary>
    public static string Ask(CliConsole console, bool confirm) =>
        FromEnvironment(console) ?? PassphraseInput.PromptNew(console, "identity passphrase: ", confirm);

    /// <summary>
    /// Loads the identity at <paramref name="path"/> or creates one (owner-only; protected when the environment
    /// gives a passphrase). Without a <paramref name="console"/> a protected file cannot be opened.
    /// </summary>
    public static async Task<(SecretKey Key, bool Created)> LoadOrCreateAsync(string path, CliConsole? console, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            return (await LoadAsync(path, console, cancellationToken), false);
        }

        var key = SecretKey.Generate();
        try
        {
            var passphrase = FromEnvironment(console);
            // Written to a private temporary file and then linked into place, so a second process starting at the same
            // moment either finds no key or a complete one, never half a file; the loser of the race uses the winner's.
            if (!await TryWriteAsync(path, Encode(key, passphrase), replace: false, cancellationToken))
            {
                key.Dispose();
                return (await LoadAsync(path, console, cancellationToken), false);
            }

            return (key, true);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file at <paramref name="path"/> is passphrase-protected.</summary>
    public static bool IsProtected(string path) => ProtectedSecretKey.IsProtected(File.ReadAllBytes(path));

    /// <summary>Replaces the identity file with <paramref name="key"/> sealed under <paramref name="passphrase"/> (atomically).</summary>
    public static Task ProtectAsync(string path, SecretKey key, string passphrase, CancellationToken cancellationToken) =>
        TryWriteAsync(path, Encode(key, passphrase), replace: true, cancellationToken);

    private static async Task<SecretKey> LoadAsync(string path, CliConsole? console, CancellationToken cancellationToken)
    {
        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        if (ProtectedSecretKey.IsProtected(content))
        {
            if (console is null)
            {
                throw new CliException($"{path} is protected by a passphrase; this command cannot ask for one.");
            }

            return ProtectedSecretKey.TryUnprotect(content, Ask(console, confirm: false))
                ?? throw new CliException($"the passphrase does not open {path} (wrong passphrase, or the file was altered).");
        }

        byte[] seed;
        try
        {
            seed = Convert.FromHexString(System.Text.Encoding.ASCII.GetString(content).Trim());
        }
        catch (FormatException ex)
        {
            throw new CliException($"{path} is not a hex identity key.", ex);
        }

        try
        {
            return seed.Length == SecretKey.Size ? SecretKey.Import(seed) : throw new CliException($"{path} must hold {SecretKey.Size} bytes of hex.");
        }
        finally
        {
            Array.Clear(seed);
        }
    }

    private static byte[] Encode(SecretKey key, string? passphrase)
    {
        if (passphrase is not null)
        {
            return ProtectedSecretKey.Protect(key, passphrase);
        }

        var seed = new byte[SecretKey.Size];
        try
        {
            key.Export(seed);
            return System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(seed));
        }
        finally
        {
            Array.Clear(seed);
        }
    }

    /// <returns>False when <paramref name="replace"/> is false and the file appeared meanwhile.</returns>
    private static async Task<bool> TryWriteAsync(string path, byte[] content, bool replace, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, options))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: replace);
            return true;
        }
        catch (IOException) when (!replace && File.Exists(path))
        {
            return false;
        }
        finally
        {
            Array.Clear(content);
            File.Delete(temporary);
        }
    }
}
