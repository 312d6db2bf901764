using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Storage.Sqlite;

namespace IrohSocial.Cli;

/// <summary>
/// The tool's state in its data folder: the identity (<c>identity.key</c>, created on first use, readable by
/// the user only) and the sealed SQLite store (<c>irohsocial.db</c>). Optionally a running <see cref="IrohSocialNode"/>.
/// </summary>
public sealed class CliNode : IAsyncDisposable
{
    private readonly AtRestSealer _sealer;

    private CliNode(SecretKey key, AtRestSealer sealer, SqliteMessagingStore store, string dataDirectory)
    {
        Key = key;
        _sealer = sealer;
        Store = store;
        DataDirectory = dataDirectory;
    }

    /// <summary>This user's identity.</summary>
    public SecretKey Key { get; }

    /// <summary>The store.</summary>
    public SqliteMessagingStore Store { get; }

    /// <summary>The data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>The running node, when started with <see cref="StartClientAsync"/>.</summary>
    public IrohSocialNode? Node { get; private set; }

    /// <summary>The default data folder: the platform's per-user data folder + <c>irohsocial</c>.</summary>
    public static string DefaultDataDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "irohsocial");

    /// <summary>Opens (creating when needed) the identity and store in <paramref name="dataDirectory"/>.</summary>
    public static async Task<CliNode> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        var key = await LoadOrCreateKeyAsync(Path.Combine(dataDirectory, "identity.key"), cancellationToken);
        var sealer = new AtRestSealer(key);
        try
        {
            var store = await SqliteMessagingStore.OpenAsync(Path.Combine(dataDirectory, "irohsocial.db"), sealer, cancellationToken);
            return new CliNode(key, sealer, store, dataDirectory);
        }
        catch
        {
            sealer.Dispose();
            key.Dispose();
            throw;
        }
    }

    /// <summary>Starts a node (messages and calls) bound to <paramref name="bind"/>; returns its DM client.</summary>
    public async Task<DmClient> StartClientAsync(IPEndPoint bind, CancellationToken cancellationToken, IReadOnlyList<Transport.RelayAddress>? relays = null)
    {
        Node = await IrohSocialNode.StartAsync(
            new IrohSocialNodeOptions
            {
                SecretKey = Key,
                Store = Store,
                BindAddress = bind,
                RelayUrls = relays ?? [],
                AttachmentDirectory = Path.Combine(DataDirectory, "attachments"),
            },
            cancellationToken);
        return Node.Messages;
    }

    internal static async Task<SecretKey> LoadOrCreateKeyAsync(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            var text = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            byte[] seed;
            try
            {
                seed = Convert.FromHexString(text);
            }
            catch (FormatException ex)
            {
                throw new CliException($"{path} is not a hex identity key.", ex);
            }

            if (seed.Length != SecretKey.Size)
            {
                throw new CliException($"{path} must hold {SecretKey.Size} bytes of hex.");
            }

            try
            {
                return SecretKey.Import(seed);
            }
            finally
            {
                Array.Clear(seed);
            }
        }

        var key = SecretKey.Generate();
        var bytes = new byte[SecretKey.Size];
        key.Export(bytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync(Convert.ToHexStringLower(bytes));
        }

        Array.Clear(bytes);
        return key;
    }

    /// <summary>Stops the node (ends calls, closes connections); the store stays open.</summary>
    public async Task StopNodeAsync()
    {
        if (Node is { } node)
        {
            Node = null;
            await node.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopNodeAsync();

        await Store.DisposeAsync();
        _sealer.Dispose();
        Key.Dispose();
    }
}
