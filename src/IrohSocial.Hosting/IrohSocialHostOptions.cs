using System.Net;

namespace IrohSocial.Hosting;

/// <summary>
/// Settings of the hosted IrohSocial node, bound through <c>IOptions</c> (configure them in
/// <see cref="IrohSocialServiceCollectionExtensions.AddIrohSocial"/> or from configuration). Validated when the host starts.
/// </summary>
public sealed class IrohSocialHostOptions
{
    /// <summary>
    /// File holding the identity (32-byte ed25519 seed as hex). Created with owner-only permissions when missing.
    /// Required: an identity that changed on every start would lose every session and conversation.
    /// </summary>
    public string IdentityKeyPath { get; set; } = "";

    /// <summary>SQLite database file (sealed at rest under the identity). Null keeps everything in memory.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>Address and port to accept connections on, as <c>ADDRESS:PORT</c>. Default <c>0.0.0.0:0</c> (any port).</summary>
    public string BindAddress { get; set; } = "0.0.0.0:0";

    /// <summary>
    /// Network stacks: <c>Auto</c> (default; QUIC beside TCP where msquic exists), <c>Quic</c> or <c>TcpTls</c>.
    /// </summary>
    public Transport.TransportProvider Provider { get; set; } = Transport.TransportProvider.Auto;

    /// <summary>Where received attachments are kept, sealed and owner-only (see <c>DmClientOptions.AttachmentDirectory</c>); null = the user's local application data folder.</summary>
    public string? AttachmentDirectory { get; set; }

    internal IPEndPoint ParseBindAddress() => IPEndPoint.Parse(BindAddress);
}
