using System.Diagnostics.CodeAnalysis;
using System.Net;
using IrohSocial.Crypto;

namespace IrohSocial.Transport;

/// <summary>
/// Where a relay is and which identity it must prove: an <c>https</c> URL (plain <c>http</c> only on loopback) and the
/// relay's ed25519 id. Its text form is the URL with the id as its fragment, e.g.
/// <c>https://relay.example:4443/relay#&lt;64 hex digits&gt;</c>; that string fits in a ticket's relay URL field.
/// </summary>
/// <param name="Url">The relay's WebSocket endpoint as an <c>http</c>/<c>https</c> URL, without a fragment.</param>
/// <param name="Id">The relay's identity; clients pin it (identity certificate or the relay's challenge).</param>
public sealed record RelayAddress(Uri Url, EndpointId Id)
{
    /// <summary>Whether the URL uses plain <c>http</c> (WebSocket without TLS), which is accepted only for loopback hosts.</summary>
    public bool IsPlainText => Url.Scheme == Uri.UriSchemeHttp;

    /// <summary>The <c>ws</c>/<c>wss</c> URI a WebSocket connects to.</summary>
    public Uri WebSocketUri => new UriBuilder(Url) { Scheme = IsPlainText ? "ws" : "wss", Fragment = string.Empty }.Uri;

    /// <summary>Parses the text form made by <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException">The text is not a relay address.</exception>
    public static RelayAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var address, out var reason) ? address : throw new FormatException($"Invalid relay address: {reason}.");
    }

    /// <summary>Tries to parse the text form made by <see cref="ToString"/>; never throws.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out RelayAddress? address) =>
        TryParse(text, out address, out _);

    /// <summary>Reads a relay address from a URI (for example a ticket's relay URL); null when it is not one.</summary>
    public static RelayAddress? FromUri(Uri? uri) => uri is not null && TryParse(uri.OriginalString, out var address) ? address : null;

    /// <summary>The URI form (the text form as a <see cref="Uri"/>), as carried in <see cref="EndpointAddr.RelayUrl"/>.</summary>
    public Uri ToUri() => new(ToString());

    /// <summary>The URL with the relay id as fragment.</summary>
    public override string ToString() => new UriBuilder(Url) { Fragment = Id.ToString() }.Uri.AbsoluteUri;

    private static bool TryParse(string? text, [NotNullWhen(true)] out RelayAddress? address, out string reason)
    {
        address = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            reason = "not an absolute URL";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            reason = "the scheme must be https (or http on loopback)";
            return false;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            reason = "plain http is allowed only for a loopback host";
            return false;
        }

        if (!EndpointId.TryParse(uri.Fragment.TrimStart('#'), out var id))
        {
            reason = "the fragment must be the relay id (64 hex digits)";
            return false;
        }

        var url = new UriBuilder(uri) { Fragment = string.Empty }.Uri;
        address = new RelayAddress(url, id);
        reason = string.Empty;
        return true;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var ip) && IPAddress.IsLoopback(ip));
}
