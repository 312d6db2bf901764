using System.Net;
using System.Net.Sockets;
using IrohSocial.Testing;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport.Tests;

/// <summary>
/// A peer known at several addresses where the first swallows everything (a dead interface, a stale NAT mapping):
/// the dial reaches the next address after the stagger instead of waiting out the first one's handshake timeout.
/// Over QUIC nothing refuses, so before the stagger the later addresses were never tried (issue 22).
/// </summary>
public sealed class CandidateStaggerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The old, one-after-the-other dial waited this long on the silent address; the test's wait is far shorter.
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const int DialAttemptFailed = 3007; // "Dial over {Path} to {Candidate} failed"

    [Theory]
    [InlineData(TransportProvider.TcpTls)]
    [InlineData(TransportProvider.Quic)]
    public async Task FirstAddressSilent_DialReachesTheSecond(TransportProvider provider)
    {
        TestTransport.Require(provider);

        await using var server = await TestEndpoints.BindAsync(provider);
        using var silent = SilentAddress(provider);
        var log = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
        await using var client = await TestEndpoints.BindAsync(provider, o => o with { HandshakeTimeout = HandshakeTimeout, LoggerFactory = loggers });

        var addr = new EndpointAddr(server.Id, [(IPEndPoint)silent.LocalEndPoint!, server.LocalEndPoint]);
        var accept = server.AcceptAsync(Ct).AsTask();
        await using var connection = await client.ConnectAsync(addr, TestEndpoints.TestAlpn, Ct).AsTask().WaitAsync(Wait, Ct);
        var failedBeforeTheWin = log.Lines.Where(l => l.Id.Id == DialAttemptFailed).Select(l => l.Text).ToArray();
        await using var accepted = await accept.WaitAsync(Wait, Ct);

        Assert.Equal(server.LocalEndPoint, connection.RemoteAddress);
        Assert.Equal(client.Id, accepted.RemoteId);
        // One after the other, the second address is dialled only once the silent one has failed (after its handshake
        // timeout: msquic's own idle limit, about 10 s, cuts QUIC's shorter). Staggered, the silent one is still pending.
        Assert.DoesNotContain(failedBeforeTheWin, m => m.Contains(silent.LocalEndPoint!.ToString()!, StringComparison.Ordinal));
        Assert.True(TouchedBy(silent, provider) > 0, "the silent address was tried first");
    }

    [Theory]
    [InlineData(TransportProvider.TcpTls)]
    [InlineData(TransportProvider.Quic)]
    public async Task FirstAddressAnswers_WinsBeforeTheSecondJoins(TransportProvider provider)
    {
        TestTransport.Require(provider);

        // A stagger longer than the test: the second (silent) address may only be tried if the first failed.
        await using var server = await TestEndpoints.BindAsync(provider);
        using var silent = SilentAddress(provider);
        await using var client = await TestEndpoints.BindAsync(provider, o => o with { CandidateStagger = TimeSpan.FromHours(1) });

        var addr = new EndpointAddr(server.Id, [server.LocalEndPoint, (IPEndPoint)silent.LocalEndPoint!]);
        await using var connection = await client.ConnectAsync(addr, TestEndpoints.TestAlpn, Ct);
        Assert.Equal(server.LocalEndPoint, connection.RemoteAddress);
        Assert.Equal(0, TouchedBy(silent, provider));
    }

    // Holds an address without ever answering: a UDP socket that reads nothing (no ICMP "port unreachable"), or a TCP
    // listener that never accepts (the kernel completes the TCP handshake, the TLS one never starts).
    private static Socket SilentAddress(TransportProvider provider)
    {
        var socket = provider == TransportProvider.Quic
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        if (provider != TransportProvider.Quic)
        {
            socket.Listen(16);
        }

        return socket;
    }

    private static int TouchedBy(Socket silent, TransportProvider provider)
    {
        if (provider == TransportProvider.Quic)
        {
            return silent.Available;
        }

        silent.Blocking = false;
        try
        {
            using var pending = silent.Accept();
            return 1;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
        {
            return 0;
        }
    }
}
