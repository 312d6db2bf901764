using System.Diagnostics.CodeAnalysis;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport;

/// <summary>
/// How to reach an endpoint: its id, its direct socket addresses and an optional relay (its <see cref="RelayAddress"/>
/// as a URI). <see cref="ToTicket"/> turns it into a copy-pasteable string that <see cref="ParseTicket(string)"/> reads back.
/// </summary>
/// <param name="Id">The endpoint's identity (ed25519 public key).</param>
/// <param name="DirectAddresses">Socket addresses to dial, tried in order.</param>
/// <param name="RelayUrl">The peer's home relay (<see cref="RelayAddress.ToUri"/>); dialed through when direct addresses do not answer.</param>
public sealed record EndpointAddr(EndpointId Id, IReadOnlyList<IPEndPoint> DirectAddresses, Uri? RelayUrl = null)
{
    /// <summary>
    /// Where the endpoint's mailbox is (the address of a node serving <see cref="Alpns.Mailbox"/>), or null. Senders
    /// deposit already encrypted envelopes there when the endpoint itself cannot be reached. A mailbox address carries
    /// no mailbox of its own.
    /// </summary>
    /// <exception cref="ArgumentException">The mailbox address itself names a mailbox.</exception>
    public EndpointAddr? Mailbox
    {
        get;
        init => field = value is { Mailbox: not null } ? throw new ArgumentException("A mailbox address cannot name a mailbox of its own.", nameof(value)) : value;
    }

    /// <summary>Text that starts every ticket.</summary>
    public const string TicketPrefix = TicketCodec.Prefix;

    /// <summary>
    /// Encodes this address as a ticket: <c>"irohsocial"</c> + lowercase unpadded base32 of a versioned binary encoding
    /// that ends with a CRC-32, so a mistyped, lost or added character is rejected by <see cref="ParseTicket(string)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Too many addresses (more than 16) or a relay URL that is not absolute http(s) or too long.</exception>
    public string ToTicket() => TicketCodec.Encode(this);

    /// <summary>Parses a ticket made by <see cref="ToTicket"/> (or an old one without checksum; see <see cref="ParseTicket(string, out TicketWarning)"/>).</summary>
    /// <exception cref="FormatException">The ticket is malformed or its checksum does not match (a typo).</exception>
    public static EndpointAddr ParseTicket(string ticket) => ParseTicket(ticket, out _);

    /// <summary>
    /// Parses a ticket and says whether the user should be warned: <see cref="TicketWarning.NoChecksum"/> for an old
    /// ticket whose typos cannot be detected.
    /// </summary>
    /// <exception cref="FormatException">The ticket is malformed or its checksum does not match (a typo).</exception>
    public static EndpointAddr ParseTicket(string ticket, out TicketWarning warning)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return TicketCodec.TryDecode(ticket, out var addr, out warning, out var reason)
            ? addr
            : throw new FormatException($"Invalid endpoint ticket: {reason}.");
    }

    /// <summary>Tries to parse a ticket made by <see cref="ToTicket"/> (or an old one without checksum); never throws.</summary>
    public static bool TryParseTicket([NotNullWhen(true)] string? ticket, [NotNullWhen(true)] out EndpointAddr? addr) =>
        TryParseTicket(ticket, out addr, out _);

    /// <summary>Tries to parse a ticket; <paramref name="warning"/> is <see cref="TicketWarning.NoChecksum"/> for an old ticket. Never throws.</summary>
    public static bool TryParseTicket([NotNullWhen(true)] string? ticket, [NotNullWhen(true)] out EndpointAddr? addr, out TicketWarning warning)
    {
        addr = null;
        warning = TicketWarning.None;
        return ticket is not null && TicketCodec.TryDecode(ticket, out addr, out warning, out _);
    }

    /// <summary>Equality by id, addresses (in order), relay URL and mailbox.</summary>
    public bool Equals(EndpointAddr? other) =>
        other is not null
        && Id == other.Id
        && DirectAddresses.SequenceEqual(other.DirectAddresses)
        && Equals(RelayUrl, other.RelayUrl)
        && Equals(Mailbox, other.Mailbox);

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
        hash.Add(Mailbox);
        return hash.ToHashCode();
    }

    /// <summary>The id and addresses, for logs.</summary>
    public override string ToString() =>
        $"{Id.ToShortString()}@[{string.Join(", ", DirectAddresses)}]{(RelayUrl is null ? "" : " relay " + RelayUrl)}{(Mailbox is null ? "" : " mailbox " + Mailbox.Id.ToShortString())}";
}
