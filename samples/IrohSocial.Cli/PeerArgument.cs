using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Cli;

/// <summary>Parses what users type for a peer: a ticket (with addresses) or a bare 64-hex-char id.</summary>
public static class PeerArgument
{
    /// <summary>
    /// Parses a ticket; throws a <see cref="CliException"/> naming the problem otherwise (a typo fails the ticket's
    /// checksum). An old ticket without checksum is accepted with a warning on <paramref name="warnings"/>.
    /// </summary>
    public static EndpointAddr ParseTicket(string text, TextWriter? warnings = null)
    {
        var trimmed = text.Trim();
        if (EndpointAddr.TryParseTicket(trimmed, out var addr, out var warning))
        {
            if (warning == TicketWarning.NoChecksum)
            {
                warnings?.WriteLine($"warning: this ticket for {addr.Id.ToShortString()} is in the old format without a checksum, so a typo in it cannot be detected; ask the peer for a new ticket (`irohsocial id`).");
            }

            return addr;
        }

        if (trimmed.StartsWith(EndpointAddr.TicketPrefix, StringComparison.Ordinal))
        {
            try
            {
                EndpointAddr.ParseTicket(trimmed);
            }
            catch (FormatException ex)
            {
                throw new CliException($"'{Shorten(text)}' is not a valid ticket: {ex.Message}", ex);
            }
        }

        throw new CliException($"'{Shorten(text)}' is not a ticket (it starts with {EndpointAddr.TicketPrefix}; get one from `irohsocial id` or `irohsocial listen`).");
    }

    /// <summary>Parses a ticket or an id into the peer's id.</summary>
    public static EndpointId ParseId(string text)
    {
        if (TryParseId(text.Trim(), out var id))
        {
            return id;
        }

        throw new CliException($"'{Shorten(text)}' is neither a ticket nor a 64-character hex id.");
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
