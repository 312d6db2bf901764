using IrohSocial.Transport;

namespace IrohSocial;

public sealed partial class IrohSocialNode
{
    /// <summary>Environment variable that turns the default LAN browsing off (<c>off</c>), e.g. on CI machines whose LAN is not theirs to query.</summary>
    public const string LocalDiscoveryEnvironmentVariable = "IROHSOCIAL_LOCAL_DISCOVERY";

    /// <summary>
    /// Where this node finds peers on the LAN (<see cref="IrohSocialNodeOptions.LocalDiscovery"/>, or the mDNS browser the
    /// node runs by default), or null when it does not look. <see cref="MdnsLocalDiscovery.GetPeers"/> lists who was heard.
    /// </summary>
    public ILocalDiscovery? LocalDiscovery => _endpoint.LocalDiscovery;

    /// <summary>
    /// The app's discovery (not owned), else mDNS (owned): for announcing when asked, and for browsing unless turned off
    /// by option or environment.
    /// </summary>
    private static (ILocalDiscovery? Discovery, MdnsLocalDiscovery? Owned) ChooseDiscovery(IrohSocialNodeOptions options)
    {
        if (options.LocalDiscovery is { } given)
        {
            return (given, null);
        }

        var off = string.Equals(Environment.GetEnvironmentVariable(LocalDiscoveryEnvironmentVariable), "off", StringComparison.OrdinalIgnoreCase);
        if ((!options.BrowseLocalNetwork || off) && !options.AnnounceOnLocalNetwork)
        {
            return (null, null);
        }

        var mdns = new MdnsLocalDiscovery(new MdnsDiscoveryOptions { LoggerFactory = options.LoggerFactory, TimeProvider = options.TimeProvider });
        return (mdns, mdns);
    }
}
