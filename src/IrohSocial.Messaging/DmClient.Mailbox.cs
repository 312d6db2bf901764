using IrohSocial.Messaging.Internal.Mailbox;
using IrohSocial.Transport;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    private MailboxInbox? _inbox;

    /// <summary>
    /// This client's own mailbox (<see cref="DmClientOptions.Mailbox"/>, else the shared endpoint's), which peers find in
    /// <see cref="LocalAddress"/>; null when it has none. Peers whose address names a mailbox get deposits there when
    /// they cannot be reached, whether or not this client has one.
    /// </summary>
    public EndpointAddr? Mailbox => _options.Mailbox ?? _endpoint.Addr.Mailbox;

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
    }
}
