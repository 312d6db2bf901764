using System.Net;
using System.Net.Sockets;
using IrohSocial.Transport;

namespace IrohSocial.Testing;

/// <summary>
/// Which transport the node-running tests use, so CI can run every suite over each provider:
/// <c>IROHSOCIAL_TEST_TRANSPORT=tcp</c> forces TLS over TCP, <c>quic</c> forces QUIC (tests skip with the reason where
/// msquic is missing, and fail instead when <c>IROHSOCIAL_REQUIRE_QUIC=1</c>), unset leaves the default (Auto).
/// Tests that need TCP itself (the TCP fault proxy, a plain TLS client) ask for <see cref="TransportProvider.TcpTls"/>
/// explicitly instead.
/// </summary>
internal static class TestTransport
{
    public const string Variable = "IROHSOCIAL_TEST_TRANSPORT";
    public const string RequireQuicVariable = "IROHSOCIAL_REQUIRE_QUIC";

    /// <summary>The provider node factories use.</summary>
    public static TransportProvider Provider { get; } = Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => TransportProvider.Auto,
        "tcp" => TransportProvider.TcpTls,
        "quic" => TransportProvider.Quic,
        var other => throw new InvalidOperationException($"{Variable}={other}: expected tcp, quic or auto."),
    };

    /// <summary>The same choice as the samples' <c>--transport</c> value.</summary>
    public static string OptionValue => Provider switch
    {
        TransportProvider.TcpTls => "tcp",
        TransportProvider.Quic => "quic",
        _ => "auto",
    };

    /// <summary>Which path a connection between two test nodes takes in this run (Auto takes QUIC where it exists).</summary>
    public static ConnectionPath ExpectedPath =>
        Provider == TransportProvider.TcpTls || !QuicLibrary.IsSupported ? ConnectionPath.Tcp : ConnectionPath.Quic;

    /// <summary>Skips a test that needs QUIC where msquic is missing, or fails it when <c>IROHSOCIAL_REQUIRE_QUIC=1</c> (CI).</summary>
    public static void RequireQuic()
    {
        if (!QuicLibrary.IsSupported)
        {
            if (Environment.GetEnvironmentVariable(RequireQuicVariable) == "1")
            {
                throw new InvalidOperationException(
                    $"{RequireQuicVariable}=1 but QUIC is not supported here: libmsquic (libmsquic.so.2) was not found (LD_LIBRARY_PATH).");
            }

            Assert.Skip("libmsquic (msquic) is not available here");
        }
    }

    /// <summary>Returns <see cref="Provider"/>, skipping the test (or failing it in CI) when QUIC is asked for and missing.</summary>
    public static TransportProvider Require() => Require(Provider);

    /// <summary>Returns <paramref name="provider"/>, skipping the test (or failing it in CI) when it is QUIC and QUIC is missing.</summary>
    public static TransportProvider Require(TransportProvider provider)
    {
        if (provider == TransportProvider.Quic)
        {
            RequireQuic();
        }

        return provider;
    }

    /// <summary>
    /// A loopback port free for TCP and for UDP at this moment (a QUIC run binds UDP on it, Auto binds both): a port
    /// only TCP has free fails the node's bind.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP: try another.
            }
        }
    }
}
