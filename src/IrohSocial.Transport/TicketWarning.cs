namespace IrohSocial.Transport;

/// <summary>What a successfully parsed ticket should make the app tell its user.</summary>
public enum TicketWarning
{
    /// <summary>Nothing: the ticket's checksum matched.</summary>
    None,

    /// <summary>
    /// An old (version 1) ticket, which carries no checksum: a mistyped character may have turned it into another
    /// peer's address, and only the failed identity check at dial time would tell. Ask the peer for a new ticket.
    /// </summary>
    NoChecksum,
}
