using System.Net;
using System.Text.Json.Serialization;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal.Addresses;

/// <summary>
/// The body of the encrypted <c>peer.address</c> control: how the sender can be reached now (docs/protocol.md section
/// 10.6). Extensible by design: a receiver ignores members it does not know, so a later field (a mailbox address, say)
/// reaches new peers and costs old ones nothing; a sender leaves out what it does not want to share.
/// </summary>
/// <param name="Version">Body version; 1. A receiver ignores a body with a version it does not know.</param>
/// <param name="Direct">Direct socket addresses (<c>ip:port</c>, IPv6 in brackets), in the order to try them; empty when not shared.</param>
/// <param name="Relays">Home relays (<see cref="RelayAddress"/> text: URL + <c>#</c> relay id), in order of preference.</param>
/// <param name="IssuedMs">When the sender made this body (Unix ms); a receiver keeps the newest it has seen.</param>
internal sealed record AddressUpdateBody(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("direct")] IReadOnlyList<string>? Direct,
    [property: JsonPropertyName("relays")] IReadOnlyList<string>? Relays,
    [property: JsonPropertyName("issued_ms")] long IssuedMs)
{
    public const int CurrentVersion = 1;

    /// <summary>Most entries of each list read from a peer; more are ignored (the ticket holds no more either).</summary>
    public const int MaxEntries = 16;

    /// <summary>The body announcing <paramref name="own"/>; with <paramref name="shareDirect"/> false the direct addresses stay private.</summary>
    public static AddressUpdateBody For(EndpointAddr own, IReadOnlyList<RelayAddress> relays, bool shareDirect, DateTimeOffset now) => new(
        CurrentVersion,
        shareDirect ? own.DirectAddresses.Take(MaxEntries).Select(a => a.ToString()).ToArray() : [],
        relays.Take(MaxEntries).Select(r => r.ToString()).ToArray(),
        now.ToUnixTimeMilliseconds());

    /// <summary>
    /// The address this body gives for <paramref name="sender"/>: entries that do not parse (or name no usable port) are
    /// skipped, never trusted; null when the version is unknown or nothing usable is left.
    /// </summary>
    public EndpointAddr? ToAddr(EndpointId sender)
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
        return direct.Count == 0 && relay is null ? null : new EndpointAddr(sender, direct, relay?.ToUri());
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
