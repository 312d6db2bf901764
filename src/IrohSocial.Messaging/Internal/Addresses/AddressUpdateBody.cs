using System.Net;
using System.Text.Json.Serialization;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal.Addresses;

/// <summary>
/// The body of the encrypted <c>peer.address</c> control: how the sender can be reached now (docs/protocol.md section
/// 10.7). Extensible by design: a receiver ignores members it does not know, so a later field reaches new peers and
/// costs old ones nothing; a sender leaves out what it does not want to share. <c>mailbox</c> came that way: it is
/// optional within version 1 (a body without it, from an older sender, still parses and leaves the mailbox as known).
/// </summary>
/// <param name="Version">Body version; 1. A receiver ignores a body with a version it does not know.</param>
/// <param name="Direct">Direct socket addresses (<c>ip:port</c>, IPv6 in brackets), in the order to try them; empty when not shared.</param>
/// <param name="Relays">Home relays (<see cref="RelayAddress"/> text: URL + <c>#</c> relay id), in order of preference.</param>
/// <param name="IssuedMs">When the sender made this body (Unix ms); a receiver keeps the newest it has seen.</param>
/// <param name="Mailbox">
/// The sender's mailbox as a ticket (<see cref="EndpointAddr.ToTicket"/> of the mailbox's address), <c>""</c> when it
/// has none, absent (null) from a sender that predates the field: then the receiver keeps the mailbox it knew.
/// </param>
internal sealed record AddressUpdateBody(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("direct")] IReadOnlyList<string>? Direct,
    [property: JsonPropertyName("relays")] IReadOnlyList<string>? Relays,
    [property: JsonPropertyName("issued_ms")] long IssuedMs,
    [property: JsonPropertyName("mailbox")] string? Mailbox = null)
{
    public const int CurrentVersion = 1;

    /// <summary>Most entries of each list read from a peer; more are ignored (the ticket holds no more either).</summary>
    public const int MaxEntries = 16;

    /// <summary>Longest mailbox ticket read from a peer (a ticket with 16 addresses and a long relay URL fits).</summary>
    public const int MaxMailboxTicketLength = 2048;

    /// <summary>The body announcing <paramref name="own"/>; with <paramref name="shareDirect"/> false the direct addresses stay private.</summary>
    public static AddressUpdateBody For(EndpointAddr own, IReadOnlyList<RelayAddress> relays, bool shareDirect, DateTimeOffset now) => new(
        CurrentVersion,
        shareDirect ? own.DirectAddresses.Take(MaxEntries).Select(a => a.ToString()).ToArray() : [],
        relays.Take(MaxEntries).Select(r => r.ToString()).ToArray(),
        now.ToUnixTimeMilliseconds(),
        own.Mailbox?.ToTicket() ?? "");

    /// <summary>
    /// The address this body gives for <paramref name="sender"/>: entries that do not parse (or name no usable port) are
    /// skipped, never trusted; null when the version is unknown or nothing usable is left. Its mailbox is the one
    /// stated (<see cref="TryGetMailbox"/>), else <paramref name="knownMailbox"/>.
    /// </summary>
    public EndpointAddr? ToAddr(EndpointId sender, EndpointAddr? knownMailbox = null)
    {
        if (Version != CurrentVersion)
        {
            return null;
        }

        var direct = new List<IPEndPoint>();
        foreach (var text in (Direct ?? []).Take(MaxEntries))
        {
            if (IPEndPoint.TryParse(text ?? "", out var endpoint) && endpoint.Port != 0 && !endpoint.Address.Equals(IPAddress.Any)
                && !endpoint.Address.Equals(IPAddress.IPv6Any) && !endpoint.Address.Equals(IPAddress.Broadcast) && !direct.Contains(endpoint))
            {
                direct.Add(endpoint);
            }
        }

        var relay = (Relays ?? []).Take(MaxEntries).Select(r => RelayAddress.TryParse(r, out var parsed) ? parsed : null).FirstOrDefault(r => r is not null);
        var mailbox = TryGetMailbox(out var stated) ? stated : knownMailbox;
        return direct.Count == 0 && relay is null && mailbox is null ? null : new EndpointAddr(sender, direct, relay?.ToUri()) { Mailbox = mailbox };
    }

    /// <summary>
    /// Whether the body says where the sender's mailbox is: true with the mailbox, or with null for "none" (<c>""</c>);
    /// false when the member is absent (an older sender) or does not hold a usable mailbox ticket (ignored, never trusted).
    /// </summary>
    public bool TryGetMailbox(out EndpointAddr? mailbox)
    {
        mailbox = null;
        if (Mailbox is null || Mailbox.Length > MaxMailboxTicketLength)
        {
            return false;
        }

        if (Mailbox.Length == 0)
        {
            return true;
        }

        // A mailbox cannot name a mailbox of its own (EndpointAddr.Mailbox refuses it), and one without a way to reach it is no use.
        if (!EndpointAddr.TryParseTicket(Mailbox, out var parsed) || parsed.Mailbox is not null
            || (parsed.DirectAddresses.Count == 0 && parsed.RelayUrl is null))
        {
            return false;
        }

        mailbox = parsed;
        return true;
    }
}

[JsonSerializable(typeof(AddressUpdateBody))]
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class AddressJsonContext : JsonSerializerContext;

/// <summary>The control kind that carries <see cref="AddressUpdateBody"/>.</summary>
internal static class AddressKinds
{
    public static readonly ControlKind<AddressUpdateBody> Update = new("peer.address", AddressJsonContext.Default.AddressUpdateBody);
}
