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

    /// <summary>
    /// Supplies the identity from elsewhere (OS keystore, secret manager); when set, <see cref="IdentityKeyPath"/>
    /// is not used. Called once per start; the host owns (and disposes) the returned key.
    /// </summary>
    public Func<CancellationToken, ValueTask<Crypto.SecretKey>>? SecretKeyProvider { get; set; }

    /// <summary>
    /// Supplies the passphrase of the identity file. When set, a new identity file is written protected
    /// (Argon2id + XChaCha20-Poly1305, <see cref="Crypto.ProtectedSecretKey"/>) and a protected file needs it;
    /// a plain hex file still loads. When null, a protected file cannot be opened.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? IdentityPassphraseProvider { get; set; }

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

    /// <summary>
    /// Features the node runs beside direct messages (calls: <c>o.Extensions.Add(new CallsExtension())</c> from
    /// IrohSocial.Media; reach them through <see cref="IrohSocialHost.Node"/>, e.g. <c>host.Node.Calls</c>).
    /// </summary>
    public IList<INodeExtension> Extensions { get; } = [];

    /// <summary>
    /// This node's mailbox, as the ticket its host prints (for example the <c>mailbox</c> of <c>irohsocial relay --mailbox</c>):
    /// <see cref="IrohSocialHost.Address"/> names it and the node fetches from it (see <c>DmClient.SetMailboxAsync</c>).
    /// Null: none.
    /// </summary>
    public string? Mailbox { get; set; }

    /// <summary>
    /// Browse the LAN with mDNS, so contacts there are reached even with a stale address (see
    /// <c>IrohSocialNodeOptions.BrowseLocalNetwork</c>; the environment variable <c>IROHSOCIAL_LOCAL_DISCOVERY=off</c>
    /// also turns it off). Default true.
    /// </summary>
    public bool BrowseLocalNetwork { get; set; } = true;

    /// <summary>Announce this node on the LAN over mDNS (reveals that its identity is present there). Default false.</summary>
    public bool AnnounceOnLocalNetwork { get; set; }

    internal IPEndPoint ParseBindAddress() => IPEndPoint.Parse(BindAddress);
}
