using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Cli;

/// <summary>A peer as the user named it: its id, how to reach it (when known), and its contact name.</summary>
/// <param name="Id">The peer's id.</param>
/// <param name="Address">Its addresses: from the ticket typed, the contact, or the store; null when none is known.</param>
/// <param name="Name">The contact name, if the peer is a contact.</param>
public sealed record ResolvedPeer(EndpointId Id, EndpointAddr? Address, string? Name)
{
    /// <summary>"name (short id)" or the short id.</summary>
    public string Display => Name is null ? Id.ToShortString() : $"{Name} ({Id.ToShortString()})";
}

/// <summary>
/// Parses what users type for a peer: a ticket, a contact name, a 64-hex-char id, or any unique prefix of the id of
/// a peer this tool knows (a contact, a conversation or a queued message), like the short id it prints.
/// </summary>
public static class PeerArgument
{
    /// <summary>The shortest id prefix accepted (shorter ones match too much to be a safe way to name a peer).</summary>
    public const int MinPrefixLength = 4;

    /// <summary>
    /// Parses a ticket; throws a <see cref="CliException"/> naming the problem otherwise (a typo fails the ticket's
    /// checksum). An old ticket without checksum is accepted with a warning on <paramref name="warnings"/>.
    /// </summary>
    public static EndpointAddr ParseTicket(string text, TextWriter? warnings = null)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith(EndpointAddr.TicketPrefix, StringComparison.Ordinal))
        {
            throw new CliException($"'{Shorten(text)}' is not a ticket (it starts with {EndpointAddr.TicketPrefix}; get one from `irohsocial id` or `irohsocial listen`).");
        }

        EndpointAddr addr;
        TicketWarning warning;
        try
        {
            addr = EndpointAddr.ParseTicket(trimmed, out warning);
        }
        catch (FormatException ex)
        {
            throw new CliException($"'{Shorten(text)}' is not a valid ticket: {ex.Message} Check it was copied whole and unchanged.", ex);
        }

        if (warning == TicketWarning.NoChecksum)
        {
            warnings?.WriteLine($"warning: this ticket for {addr.Id.ToShortString()} is in the old format without a checksum, so a typo in it cannot be detected; ask the peer for a new ticket (`irohsocial id`).");
        }

        return addr;
    }

    /// <summary>Parses a ticket or an id into the peer's id (no contacts, no prefixes).</summary>
    public static EndpointId ParseId(string text)
    {
        if (TryParseId(text.Trim(), out var id))
        {
            return id;
        }

        throw new CliException($"'{Shorten(text)}' is neither a ticket nor a 64-character hex id.");
    }

    /// <summary>
    /// Resolves <paramref name="text"/> against the tickets, contacts and peers <paramref name="node"/> knows.
    /// </summary>
    /// <exception cref="CliException">Nothing matches, or a prefix matches several peers (they are listed).</exception>
    public static async Task<ResolvedPeer> ResolveAsync(string text, CliNode node, CancellationToken cancellationToken)
    {
        text = text.Trim();
        var contacts = node.Contacts.Load();
        if (text.StartsWith(EndpointAddr.TicketPrefix, StringComparison.Ordinal))
        {
            // A ticket, or a mistyped one: say why it does not parse instead of looking for a contact of that name.
            var ticket = ParseTicket(text, node.Warnings);
            return new ResolvedPeer(ticket.Id, ticket, contacts.FirstOrDefault(c => c.Id == ticket.Id)?.Name);
        }

        if (contacts.FirstOrDefault(c => c.Name == text) is { } contact)
        {
            return new ResolvedPeer(contact.Id, contact.Address, contact.Name);
        }

        EndpointId id;
        if (!EndpointId.TryParse(text, out id))
        {
            if (text.Length < MinPrefixLength || !text.All(char.IsAsciiHexDigit))
            {
                throw new CliException($"'{Shorten(text)}' is not a ticket, a contact (`irohsocial contacts list`) or an id (prefix of at least {MinPrefixLength} hex digits).");
            }

            var prefix = text.ToLowerInvariant();
            var known = await KnownPeersAsync(node, contacts, cancellationToken);
            var matches = known.Where(k => k.ToString().StartsWith(prefix, StringComparison.Ordinal)).ToList();
            id = matches.Count switch
            {
                1 => matches[0],
                0 => throw new CliException($"no known peer's id starts with '{prefix}' (known: contacts, conversations and queued messages); use a ticket."),
                _ => throw new CliException($"'{prefix}' matches {matches.Count} peers ({string.Join(", ", matches.Select(m => m.ToShortString()))}); type more of the id."),
            };
        }

        var named = contacts.FirstOrDefault(c => c.Id == id);
        var address = named?.Address;
        if (address is null && await node.Store.GetPeerAddressAsync(id, cancellationToken) is { } saved && EndpointAddr.TryParseTicket(saved, out var fromStore))
        {
            address = fromStore;
        }

        return new ResolvedPeer(id, address, named?.Name);
    }

    /// <summary>Like <see cref="ResolveAsync"/>, but the peer's address must be known (to dial it).</summary>
    public static async Task<ResolvedPeer> ResolveReachableAsync(string text, CliNode node, CancellationToken cancellationToken)
    {
        var peer = await ResolveAsync(text, node, cancellationToken);
        if (peer.Address is null)
        {
            throw new CliException($"no address is known for {peer.Display}; use its ticket, or `irohsocial contacts add NAME TICKET`.");
        }

        return peer;
    }

    private static async Task<HashSet<EndpointId>> KnownPeersAsync(CliNode node, IReadOnlyList<Contact> contacts, CancellationToken cancellationToken)
    {
        var known = contacts.Select(c => c.Id).ToHashSet();
        foreach (var conversation in await node.Store.GetConversationsAsync(cancellationToken))
        {
            known.Add(conversation.Peer);
        }

        foreach (var peer in await node.Store.GetOutboxPeersAsync(cancellationToken))
        {
            known.Add(peer);
        }

        return known;
    }

    private static bool TryParseId(string text, out EndpointId id)
    {
        if (EndpointAddr.TryParseTicket(text, out var addr))
        {
            id = addr.Id;
            return true;
        }

        return EndpointId.TryParse(text, out id);
    }

    private static string Shorten(string text) => text.Length > 24 ? text[..24] + "…" : text;
}
