using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Cli;

/// <summary>Parses what users type for a peer: a ticket (with addresses) or a bare 64-hex-char id.</summary>
public static class PeerArgument
{
    /// <summary>Parses a ticket; throws a <see cref="CliException"/> naming the problem otherwise.</summary>
    public static EndpointAddr ParseTicket(string text)
    {
        if (EndpointAddr.TryParseTicket(text.Trim(), out var addr))
        {
            return addr;
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
