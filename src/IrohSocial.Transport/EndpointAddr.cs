using System.Diagnostics.CodeAnalysis;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport;

/// <summary>
/// How to reach an endpoint: its id, its direct socket addresses and an optional relay (its <see cref="RelayAddress"/>
/// as a URI). <see cref="ToTicket"/> turns it into a copy-pasteable string that <see cref="ParseTicket"/> reads back.
/// </summary>
/// <param name="Id">The endpoint's identity (ed25519 public key).</param>
/// <param name="DirectAddresses">Socket addresses to dial, tried in order.</param>
/// <param name="RelayUrl">The peer's home relay (<see cref="RelayAddress.ToUri"/>); dialed through when direct addresses do not answer.</param>
public sealed record EndpointAddr(EndpointId Id, IReadOnlyList<IPEndPoint> DirectAddresses, Uri? RelayUrl = null)
{
    /// <summary>Text that starts every ticket.</summary>
    public const string TicketPrefix = TicketCodec.Prefix;

    /// <summary>Encodes this address as a ticket: <c>"irohsocial"</c> + lowercase unpadded base32 of a versioned binary encoding.</summary>
    /// <exception cref="ArgumentException">Too many addresses (more than 16) or a relay URL that is not absolute http(s) or too long.</exception>
    public string ToTicket() => TicketCodec.Encode(this);

    /// <summary>Parses a ticket made by <see cref="ToTicket"/>.</summary>
    /// <exception cref="FormatException">The ticket is malformed.</exception>
    public static EndpointAddr ParseTicket(string ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return TicketCodec.TryDecode(ticket, out var addr, out var reason)
            ? addr
            : throw new FormatException($"Invalid endpoint ticket: {reason}.");
    }

    /// <summary>Tries to parse a ticket made by <see cref="ToTicket"/>; never throws.</summary>
    public static bool TryParseTicket([NotNullWhen(true)] string? ticket, [NotNullWhen(true)] out EndpointAddr? addr)
    {
        addr = null;
        if (ticket is null)
        {
            return false;
        }

        if (TicketCodec.TryDecode(ticket, out var decoded, out _))
        {
            addr = decoded;
            return true;
        }

        return false;
    }

    /// <summary>Equality by id, addresses (in order) and relay URL.</summary>
    public bool Equals(EndpointAddr? other) =>
        other is not null
        && Id == other.Id
        && DirectAddresses.SequenceEqual(other.DirectAddresses)
        && Equals(RelayUrl, other.RelayUrl);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Id);
        foreach (var address in DirectAddresses)
        {
            hash.Add(address);
        }

        hash.Add(RelayUrl);
        return hash.ToHashCode();
    }

    /// <summary>The id and addresses, for logs.</summary>
    public override string ToString() =>
        $"{Id.ToShortString()}@[{string.Join(", ", DirectAddresses)}]{(RelayUrl is null ? "" : " relay " + RelayUrl)}";
}
