using System.Runtime.CompilerServices;
using IrohSocial.Messaging.Internal.Mailbox;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    private readonly SemaphoreSlim _mailboxLock = new(1, 1);
    private MailboxInbox? _inbox;
    private StrongBox<EndpointAddr?>? _chosenMailbox;

    /// <summary>
    /// This client's own mailbox (<see cref="DmClientOptions.Mailbox"/>, else the shared endpoint's, unless changed with
    /// <see cref="SetMailboxAsync"/>), which peers find in <see cref="LocalAddress"/>; null when it has none. Peers whose
    /// address names a mailbox get deposits there when they cannot be reached, whether or not this client has one.
    /// </summary>
    public EndpointAddr? Mailbox => Volatile.Read(ref _chosenMailbox) is { } chosen ? chosen.Value : _options.Mailbox ?? _endpoint.Addr.Mailbox;

    /// <summary>
    /// Picks another own mailbox (or none): <see cref="LocalAddress"/> names it from now on (share the new ticket), and
    /// the client fetches from it instead. Messages already waiting in the old one are fetched first when it answers.
    /// Contacts are told the new mailbox in an encrypted <c>peer.address</c> update (<see cref="AnnounceAddressAsync"/>),
    /// so their next deposits go there.
    /// </summary>
    /// <exception cref="ArgumentException">The mailbox address names a mailbox of its own.</exception>
    public async Task SetMailboxAsync(EndpointAddr? mailbox, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _mailboxLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_inbox is not null)
            {
                try
                {
                    await _inbox.FetchAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (IrohSocial.Mailbox.MailboxException)
                {
                    // The old mailbox is away; what waits there expires there.
                }

                await _inbox.DisposeAsync().ConfigureAwait(false);
                _inbox = null;
            }

            var previous = Mailbox;
            Volatile.Write(ref _chosenMailbox, new StrongBox<EndpointAddr?>(mailbox));
            StartMailbox();
            if (!Equals(previous, mailbox))
            {
                await AnnounceAddressAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _mailboxLock.Release();
        }
    }

    /// <summary>
    /// Fetches everything waiting in the own mailbox now and applies it like envelopes from the senders themselves
    /// (duplicates dropped by id; a receipt to each sender is queued in the outbox), then deletes it from the mailbox.
    /// The client also does this at start, on every deposit the mailbox reports, and every
    /// <see cref="DmClientOptions.MailboxPollInterval"/>. Returns how many blobs were taken out of the mailbox.
    /// </summary>
    /// <exception cref="InvalidOperationException">The client has no mailbox.</exception>
    /// <exception cref="IrohSocial.Mailbox.MailboxException">The mailbox could not be reached or refused.</exception>
    public async Task<int> FetchMailboxAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var inbox = _inbox ?? throw new InvalidOperationException("This client has no mailbox (DmClientOptions.Mailbox).");
        return await inbox.FetchAsync(cancellationToken).ConfigureAwait(false);
    }

    private void StartMailbox()
    {
        if (Mailbox is { } mailbox)
        {
            _inbox = new MailboxInbox(_runtime, _endpoint, mailbox, Channel, LearnAddressAsync);
            _inbox.Start();
        }
    }

    /// <summary>Remembers a sender's address from its deposit when none is known yet (never replaces a known one).</summary>
    private async Task LearnAddressAsync(EndpointAddr address, CancellationToken cancellationToken)
    {
        if (await ResolveAsync(address.Id, cancellationToken).ConfigureAwait(false) is null && _addresses.TryAdd(address.Id, address))
        {
            await _options.Store.ApplyAsync([new Storage.SavePeerAddress(address.Id, address.ToTicket())], cancellationToken).ConfigureAwait(false);
            Channel(address.Id).Wake();
        }
    }

    private async ValueTask StopMailboxAsync()
    {
        if (_inbox is not null)
        {
            await _inbox.DisposeAsync().ConfigureAwait(false);
        }

        await _runtime.Mailboxes.DisposeAsync().ConfigureAwait(false);
        _mailboxLock.Dispose();
    }
}
