using System.Runtime.CompilerServices;

namespace IrohSocial.Testing;

/// <summary>
/// Tests never send to the LAN: nodes browse it with mDNS by default, so every test process (and the CLI and sample
/// processes it starts, which inherit the environment) turns that default off. Tests of discovery create their own
/// (in-memory, or mDNS on a veth or in network namespaces they make) and switch it on explicitly.
/// </summary>
internal static class NoLanTraffic
{
    [ModuleInitializer]
    internal static void TurnOffDefaultLocalDiscovery()
    {
        if (Environment.GetEnvironmentVariable("IROHSOCIAL_LOCAL_DISCOVERY") is null)
        {
            Environment.SetEnvironmentVariable("IROHSOCIAL_LOCAL_DISCOVERY", "off");
        }
    }
}
