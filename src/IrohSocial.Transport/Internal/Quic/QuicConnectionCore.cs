using System.Net;
using System.Net.Quic;
using System.Runtime.Versioning;
using System.Threading.Channels;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>
/// A QUIC connection. A background pump accepts inbound streams into a queue (msquic enforces the stream limits),
/// which is also how the end of the connection is noticed: System.Net.Quic has no "closed" event.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal sealed class QuicConnectionCore : ConnectionCore
{
    private readonly QuicConnection _connection;
    private readonly Action? _onClosed;
    private readonly Channel<StreamCore> _incoming = Channel.CreateUnbounded<StreamCore>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TransportException? _closeError;
    private int _disposed;

    public QuicConnectionCore(QuicConnection connection, EndpointId remoteId, string alpn, bool isClient, Action? onClosed)
    {
        _connection = connection;
        _onClosed = onClosed;
        RemoteId = remoteId;
        Alpn = alpn;
        IsClient = isClient;
        RemoteAddress = connection.RemoteEndPoint;
        _ = PumpAsync();
    }

    public override EndpointId RemoteId { get; }

    public override string Alpn { get; }

    public override IPEndPoint RemoteAddress { get; }

    public override bool IsClient { get; }

    public override TransportProvider Provider => TransportProvider.Quic;

    public override ConnectionPath Path => ConnectionPath.Quic;

    public override Task Closed => _closed.Task;

    public override async ValueTask<StreamCore> OpenStreamAsync(bool bidirectional, CancellationToken cancellationToken)
    {
        if (_closeError is { } error)
        {
            throw error;
        }

        try
        {
            var stream = await _connection.OpenOutboundStreamAsync(bidirectional ? QuicStreamType.Bidirectional : QuicStreamType.Unidirectional, cancellationToken).ConfigureAwait(false);
            return new QuicStreamCore(stream);
        }
        catch (QuicException ex)
        {
            throw _closeError ?? QuicErrors.Map(ex);
        }
        catch (ObjectDisposedException)
        {
            throw _closeError ?? new TransportException(TransportError.ConnectionClosed, "The connection is closed.");
        }
    }

    public override async ValueTask<StreamCore> AcceptStreamAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _incoming.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw _closeError ?? new TransportException(TransportError.ConnectionClosed, "The connection is closed.");
        }
    }

    public override async ValueTask CloseAsync(long errorCode, string reason, CancellationToken cancellationToken)
    {
        _closeError ??= new TransportException(TransportError.ConnectionClosed, $"The connection was closed by this endpoint with code {errorCode}.", errorCode);
        try
        {
            await _connection.CloseAsync(errorCode, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or ObjectDisposedException)
        {
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask CloseWithErrorAsync(TransportError error)
    {
        _closeError ??= new TransportException(error, $"The connection was closed by this endpoint ({error}).");
        return CloseAsync(CloseCodes.For(error), error.ToString(), CancellationToken.None);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _closeError ??= new TransportException(TransportError.ConnectionClosed, "The connection was disposed.", 0);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _closed.Task.ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                var stream = await _connection.AcceptInboundStreamAsync().ConfigureAwait(false);
                _incoming.Writer.TryWrite(new QuicStreamCore(stream));
            }
        }
        catch (QuicException ex)
        {
            _closeError ??= QuicErrors.Map(ex);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
            _closeError ??= new TransportException(TransportError.ConnectionClosed, "The connection is closed.");
        }

        _incoming.Writer.TryComplete(_closeError);
        _onClosed?.Invoke();
        _closed.TrySetResult();
    }
}
