using System.CommandLine;
using System.Net;
using IrohSocial.Mailbox;
using IrohSocial.Relay;
using IrohSocial.Storage.Sqlite;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// The mailbox that <c>irohsocial relay --mailbox DIR</c> runs beside the relay: its own identity (<c>mailbox.key</c>
/// in DIR, so its address survives restarts), a SQLite file in DIR, an endpoint that serves only
/// <c>iroh-social/mailbox/1</c> and is registered on the relay it runs beside, so nodes reach it directly or through it.
/// </summary>
internal sealed class MailboxHosting : IAsyncDisposable
{
    private readonly Crypto.SecretKey _key;
    private readonly SqliteMailboxStore _store;
    private readonly MailboxService _service;
    private readonly Endpoint _endpoint;
    private readonly Router _router;

    private MailboxHosting(Crypto.SecretKey key, SqliteMailboxStore store, MailboxService service, Endpoint endpoint, Router router)
    {
        _key = key;
        _store = store;
        _service = service;
        _endpoint = endpoint;
        _router = router;
    }

    /// <summary>The mailbox's address as a ticket: what nodes pass to <c>listen --mailbox</c>.</summary>
    public string Ticket => _endpoint.Addr.ToTicket();

    public static async Task<MailboxHosting> StartAsync(string folder, RelayHost relay, string? bind, GlobalOptions global, ParseResult parse, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var key = (await CliIdentity.LoadOrCreateAsync(Path.Combine(folder, "mailbox.key"), null, cancellationToken)).Key;
        SqliteMailboxStore? store = null;
        MailboxService? service = null;
        Endpoint? endpoint = null;
        try
        {
            store = await SqliteMailboxStore.OpenAsync(Path.Combine(folder, "mailbox.db"), cancellationToken);
            service = MailboxService.Start(new MailboxServiceOptions { Store = store });
            endpoint = await Endpoint.BindAsync(new EndpointOptions
            {
                SecretKey = key,
                BindAddress = bind is null ? new IPEndPoint(relay.LocalEndPoint.Address, 0) : CommonOptions.ParseBind(bind),
                Provider = CommonOptions.ParseTransport(parse.GetValue(global.Transport)!),
                Alpns = [Alpns.Mailbox],
                RelayUrls = [relay.Address],
            }, cancellationToken);
            var router = service.Register(new Router(endpoint));
            router.Start();
            await endpoint.WaitForRelayAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return new MailboxHosting(key, store, service, endpoint, router);
        }
        catch
        {
            if (endpoint is not null)
            {
                await endpoint.DisposeAsync();
            }

            if (service is not null)
            {
                await service.DisposeAsync();
            }

            if (store is not null)
            {
                await store.DisposeAsync();
            }

            key.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
        await _endpoint.DisposeAsync();
        await _service.DisposeAsync();
        await _store.DisposeAsync();
        _key.Dispose();
    }
}
