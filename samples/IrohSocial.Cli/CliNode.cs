using System.Net;
using System.Net.Sockets;
using IrohSocial.Crypto;
using IrohSocial.Messaging;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Cli;

/// <summary>
/// The tool's state in its data folder: the identity (<c>identity.key</c>, created on first use, readable by
/// the user only) and the sealed SQLite store (<c>irohsocial.db</c>). Optionally a running <see cref="IrohSocialNode"/>.
/// </summary>
public sealed class CliNode : IAsyncDisposable
{
    private readonly AtRestSealer _sealer;
    private readonly CliConsole _console;
    private readonly ILoggerFactory? _loggers;

    private CliNode(SecretKey key, AtRestSealer sealer, SqliteMessagingStore store, string dataDirectory, CliConsole console, bool verbose)
    {
        Key = key;
        _sealer = sealer;
        Store = store;
        DataDirectory = dataDirectory;
        _console = console;
        Contacts = new ContactBook(dataDirectory, sealer);
        if (verbose)
        {
            // The transport says which provider it chose (and why) and the address of every connection it makes or
            // accepts: the path a message took. Other components speak only when something is worth a look.
            _loggers = LoggerFactory.Create(b => b
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("IrohSocial.Transport", LogLevel.Debug)
                .AddProvider(new CliLoggerProvider(console.Error)));
        }
    }

    /// <summary>Named peers (<c>contacts.sealed</c> in the data folder).</summary>
    public ContactBook Contacts { get; }

    /// <summary>Received attachments are kept here, sealed.</summary>
    public string AttachmentDirectory => Path.Combine(DataDirectory, "attachments");

    /// <summary>Opens the received attachments (sealed at rest) for reading; the caller disposes it.</summary>
    public ReceivedAttachments OpenReceivedAttachments() => new(AttachmentDirectory, _sealer, Key.PublicKey);

    /// <summary>Home relays of a started node, in order of preference (<c>--relay</c>).</summary>
    public IReadOnlyList<RelayAddress> Relays { get; set; } = [];

    /// <summary>The started node's own mailbox (<c>listen --mailbox</c>), in its address from the start; null: none.</summary>
    public EndpointAddr? Mailbox { get; set; }

    /// <summary>Whether a started node announces itself on the LAN over mDNS (<c>listen --advertise</c>); it browses either way.</summary>
    public bool AnnounceOnLan { get; set; }

    /// <summary>The network stack a started node uses (<c>--transport</c>).</summary>
    public TransportProvider Transport { get; set; } = TransportProvider.Auto;

    /// <summary>Where warnings for the user go (stderr).</summary>
    internal TextWriter Warnings => _console.Error;

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

    /// <summary>
    /// Opens (creating when needed) the identity and store in <paramref name="dataDirectory"/>; a new identity is
    /// announced on stderr, so a user who mistyped <c>--data</c> notices at once.
    /// </summary>
    public static async Task<CliNode> OpenAsync(string dataDirectory, CliConsole console, bool verbose, CancellationToken cancellationToken)
    {
        dataDirectory = Path.GetFullPath(dataDirectory);
        EnsurePrivateFolder(dataDirectory);
        var (key, created) = await CliIdentity.LoadOrCreateAsync(Path.Combine(dataDirectory, IdentityFileName), console, cancellationToken);
        if (created)
        {
            await console.Error.WriteLineAsync($"created a new identity in {dataDirectory} (id {key.PublicKey.ToShortString()})");
        }

        var sealer = new AtRestSealer(key);
        try
        {
            var store = await SqliteMessagingStore.OpenAsync(Path.Combine(dataDirectory, "irohsocial.db"), sealer, cancellationToken);
            return new CliNode(key, sealer, store, dataDirectory, console, verbose);
        }
        catch
        {
            sealer.Dispose();
            key.Dispose();
            throw;
        }
    }

    /// <summary>The identity file's name in the data folder.</summary>
    public const string IdentityFileName = "identity.key";

    /// <summary>The identity file of this data folder.</summary>
    public string IdentityPath => Path.Combine(DataDirectory, IdentityFileName);

    /// <summary>
    /// Creates the data folder owner-only (0700 on Unix) or tightens an existing one to that: it holds the identity,
    /// the store and the contacts, none of which another local user should list or read.
    /// </summary>
    internal static void EnsurePrivateFolder(string folder)
    {
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }

        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder, ownerOnly);
        }

        if (File.GetUnixFileMode(folder) != ownerOnly)
        {
            File.SetUnixFileMode(folder, ownerOnly);
        }
    }

    /// <summary>Starts a node (messages and calls) bound to <paramref name="bind"/>; returns its DM client.</summary>
    /// <exception cref="CliException">The address is taken or cannot be bound.</exception>
    public async Task<DmClient> StartClientAsync(IPEndPoint bind, CancellationToken cancellationToken, Media.Calls.CallOptions? calls = null)
    {
        try
        {
            Node = await IrohSocialNode.StartAsync(
                new IrohSocialNodeOptions
                {
                    SecretKey = Key,
                    Store = Store,
                    BindAddress = bind,
                    Provider = Transport,
                    RelayUrls = Relays,
                    AnnounceOnLocalNetwork = AnnounceOnLan,
                    Mailbox = Mailbox,
                    AttachmentDirectory = AttachmentDirectory,
                    LoggerFactory = _loggers,
                    Extensions = [new Media.Calls.CallsExtension(calls)],
                },
                cancellationToken);
        }
        catch (Exception ex) when (FindSocketError(ex) is { } error)
        {
            throw new CliException(error switch
            {
                SocketError.AddressAlreadyInUse => $"{bind} is already in use (another `irohsocial listen` or chat?); pick another port with --bind ADDRESS:PORT.",
                SocketError.AddressNotAvailable => $"{bind.Address} is not an address of this machine; pick another with --bind.",
                SocketError.AccessDenied => $"not allowed to bind {bind} (ports below 1024 need privileges); pick another with --bind.",
                _ => $"could not bind {bind}: {ex.Message}",
            }, ex);
        }

        if (_loggers is not null)
        {
            await _console.Error.WriteLineAsync($"transport: {Node.Messages.Endpoint.Provider} on {Node.Messages.Endpoint.LocalEndPoint}");
        }

        return Node.Messages;
    }

    /// <summary>The names shown for peers: "name (short id)" for contacts, the short id otherwise.</summary>
    public Func<EndpointId, string> Names()
    {
        var byId = Contacts.Load().GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().Name);
        return id => byId.TryGetValue(id, out var name) ? $"{name} ({id.ToShortString()})" : id.ToShortString();
    }

    private static SocketError? FindSocketError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
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
        _loggers?.Dispose();
    }
}
