using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Which connection carries the leg's video. Over TCP (<see cref="TransportProvider.TcpTls"/>) every stream of the call
/// connection shares one ordered byte stream, so audio waits behind any video already written: when the link slows
/// suddenly, that is seconds of it. With <see cref="CallOptions.SeparateVideoConnection"/> the caller opens a second
/// call/1 connection for the leg's video (announced by a <see cref="Framing.MediaStreamKind.VideoLink"/> stream naming
/// the epoch) and both sides send their video there; audio, reports and control stay on the call connection. Over QUIC,
/// or when the video connection cannot be opened, video uses the call connection.
/// </summary>
internal sealed partial class CallLeg
{
    // Where this side sends its video: the separate connection, or the call connection (QUIC, option off, fallback).
    private readonly TaskCompletionSource<Connection> _videoConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Connection? _attachedVideoConnection;

    /// <summary>True when this leg's video goes on its own connection (TCP transport and the option on).</summary>
    public bool WantsVideoConnection => _options.SeparateVideoConnection && Connection.Provider == TransportProvider.TcpTls;

    /// <summary>The separate video connection once attached (the leg closes it with the call connection); else null.</summary>
    public Connection? VideoConnection
    {
        get
        {
            lock (_gate)
            {
                return _attachedVideoConnection;
            }
        }
    }

    private void InitVideoConnection()
    {
        if (!WantsVideoConnection)
        {
            _videoConnection.TrySetResult(Connection);
        }
    }

    /// <summary>
    /// Makes <paramref name="connection"/> carry this leg's video. False when the leg already has one or ended. One that
    /// arrives after this side fell back to the call connection is still taken: the peer sends its video there, and
    /// refusing it would drop a healthy leg.
    /// </summary>
    public bool TryAttachVideoConnection(Connection connection)
    {
        lock (_gate)
        {
            if (_disposed || _attachedVideoConnection is not null)
            {
                return false;
            }

            _attachedVideoConnection = connection;
        }

        _videoConnection.TrySetResult(connection);
        return true;
    }

    /// <summary>Video shares the call connection (the separate one could not be opened).</summary>
    public void UseCallConnectionForVideo(string reason)
    {
        if (_videoConnection.TrySetResult(Connection))
        {
            Log.VideoConnectionFallback(_logger, _call.Id, Epoch, reason);
        }
    }

    /// <summary>The connection to open the video stream on: the separate one, waited for up to the connect timeout.</summary>
    private async Task<Connection> VideoConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _videoConnection.Task.WaitAsync(_options.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            UseCallConnectionForVideo("none was up within the connect timeout");
            return await _videoConnection.Task.ConfigureAwait(false);
        }
    }
}
