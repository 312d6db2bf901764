using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Hardening.Tests.Exhaustion;

/// <summary>A TCP/TLS endpoint that answers every frame on every stream (with the frame, or with its length).</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly SecretKey _key;
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _echoLengthOnly;
    private Task _accepting = Task.CompletedTask;
    private int _activeStreams;
    private int _maxConcurrentStreams;
    private int _rejectedFrames;

    private EchoServer(SecretKey key, Endpoint endpoint, bool echoLengthOnly)
    {
        _key = key;
        Endpoint = endpoint;
        _echoLengthOnly = echoLengthOnly;
    }

    public Endpoint Endpoint { get; }

    public int MaxConcurrentStreams => Volatile.Read(ref _maxConcurrentStreams);

    public int RejectedFrames => Volatile.Read(ref _rejectedFrames);

    public static async Task<EchoServer> StartAsync(TimeProvider time, int maxConnections, bool echoLengthOnly = false)
    {
        var key = SecretKey.Generate();
        var endpoint = await Endpoint.BindAsync(Options(key, time) with { MaxConnections = maxConnections });
        var server = new EchoServer(key, endpoint, echoLengthOnly);
        server._accepting = server.AcceptLoopAsync();
        return server;
    }

    public static EndpointOptions Options(SecretKey key, TimeProvider time) => new()
    {
        SecretKey = key,
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TransportProvider.TcpTls,
        Alpns = [Alpns.DirectMessages],
        TimeProvider = time,
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Endpoint.DisposeAsync();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or TransportException or ObjectDisposedException)
        {
        }

        _key.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Connection connection;
            try
            {
                connection = await Endpoint.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or TransportException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeConnectionAsync(connection);
        }
    }

    private async Task ServeConnectionAsync(Connection connection)
    {
        await using (connection)
        {
            while (!_stop.IsCancellationRequested)
            {
                TransportStream stream;
                try
                {
                    stream = await connection.AcceptStreamAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or TransportException or ObjectDisposedException)
                {
                    return;
                }

                _ = ServeStreamAsync(stream);
            }
        }
    }

    private async Task ServeStreamAsync(TransportStream stream)
    {
        var active = Interlocked.Increment(ref _activeStreams);
        int seen;
        while ((seen = Volatile.Read(ref _maxConcurrentStreams)) < active && Interlocked.CompareExchange(ref _maxConcurrentStreams, active, seen) != seen)
        {
        }

        try
        {
            await using (stream)
            {
                var reader = new FrameReader(stream);
                using var writer = new FrameWriter(stream);
                while (await reader.ReadFrameAsync(_stop.Token) is { } frame)
                {
                    await writer.WriteFrameAsync(_echoLengthOnly ? BitConverter.GetBytes(frame.Length) : frame, _stop.Token);
                }

                stream.CompleteWrites();
            }
        }
        catch (TransportException e) when (e.Error == TransportError.FrameTooLarge)
        {
            Interlocked.Increment(ref _rejectedFrames);
        }
        catch (Exception e) when (e is OperationCanceledException or TransportException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _activeStreams);
        }
    }
}
