using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal.Relay;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Relay.Tests;

/// <summary>Starts real relays (Kestrel on loopback) and real relay clients for tests.</summary>
internal static class RelayTestKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<RelayHost> StartRelayAsync(Func<RelayServerOptions, RelayServerOptions>? configure = null, SecretKey? identity = null, IPEndPoint? bind = null, bool plainText = false)
    {
        var options = new RelayServerOptions { Identity = identity ?? SecretKey.Generate() };
        return await RelayHost.StartAsync(new RelayHostOptions
        {
            Relay = configure is null ? options : configure(options),
            BindAddress = bind ?? new IPEndPoint(IPAddress.Loopback, 0),
            PlainTextOnLoopback = plainText,
        }, Ct);
    }

    public static RelayClient Client(RelayAddress relay, SecretKey identity, IPAddress? localAddress = null) =>
        new(identity, relay, TimeSpan.FromSeconds(10), TimeProvider.System) { LocalAddress = localAddress };

    /// <summary>A listener that registers <paramref name="identity"/> and echoes every accepted stream back to its dialer.</summary>
    public static async Task<RelayListener> EchoListenerAsync(RelayAddress relay, SecretKey identity)
    {
        var listener = new RelayListener(Client(relay, identity), EchoAsync, NullLogger.Instance, TimeProvider.System)
        {
            MinBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(400),
        };
        listener.Start();
        await listener.WaitRegisteredAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        return listener;
    }

    public static async Task EchoAsync(RelayedStream stream, CancellationToken cancellationToken)
    {
        await using (stream)
        {
            var buffer = new byte[8192];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await stream.FlushAsync(cancellationToken); // RelayedStream buffers up to a message
            }
        }
    }

    public static async Task<byte[]> RoundTripAsync(Stream stream, byte[] payload)
    {
        await stream.WriteAsync(payload, Ct);
        await stream.FlushAsync(Ct);
        var echoed = new byte[payload.Length];
        await stream.ReadExactlyAsync(echoed, Ct);
        return echoed;
    }

    /// <summary>A raw WebSocket to the relay that has read the challenge (for hand-made hellos).</summary>
    public static async Task<(ClientWebSocket Socket, EndpointId RelayId, byte[] Challenge)> RawAsync(RelayHost relay)
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        await socket.ConnectAsync(relay.Address.WebSocketUri, Ct);
        var frame = await RelayClient.ReadControlAsync(socket, Ct);
        Assert.True(RelayProtocol.TryDecodeChallenge(frame, out var relayId, out var challenge));
        return (socket, relayId, challenge);
    }

    /// <summary>Reads frames until the relay's refusal (or the close); returns the reason or null.</summary>
    public static async Task<RelayRefusal?> ReadRefusalAsync(WebSocket socket)
    {
        try
        {
            var frame = await RelayClient.ReadControlAsync(socket, Ct);
            return RelayProtocol.TryDecodeRefused(frame, out var reason, out _) ? reason : null;
        }
        catch (TransportException)
        {
            return null;
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail($"Timed out waiting until {what}.");
    }

    public static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
