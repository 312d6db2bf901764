using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Which connection carries the leg's video. Over TCP (<see cref="TransportProvider.TcpTls"/>) every stream of the call
/// connection shares one ordered byte stream, so audio waits behind any video already written: when the link slows
/// suddenly, that is seconds of it. With <see cref="CallOptions.SeparateVideoConnection"/> the caller opens a second
/// call/1 connection for the leg's video (announced by a <see cref="Framing.MediaStreamKind.VideoLink"/> stream naming
/// the epoch) and both sides send their video there; audio, reports and control stay on the call connection. Over QUIC,
/// or when the video connection cannot be opened, video uses the call connection. When only the video connection drops,
/// the caller dials a new one for the same leg and video resumes on it; the audio is not interrupted.
/// </summary>
internal sealed partial class CallLeg
{
    // Where this side sends its video: the separate connection, or the call connection (QUIC, option off, fallback).
    private TaskCompletionSource<Connection> _videoConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Connection? _attachedVideoConnection;
    private int _videoRedials;

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
        TaskCompletionSource<Connection> target;
        lock (_gate)
        {
            if (_attachedVideoConnection is { Closed.IsCompleted: true } lost)
            {
                DetachVideoConnectionLocked(lost); // its drop is still on its way to the watcher
            }

            if (_disposed || _attachedVideoConnection is not null)
            {
                return false;
            }

            _attachedVideoConnection = connection;
            target = _videoConnection;
        }

        target.TrySetResult(connection);
        return true;
    }

    /// <summary>
    /// The leg's video connection dropped while its call connection may still be up: forget it, so video waits for
    /// the caller's next one (or falls back to the call connection after the connect timeout). Does nothing when it is
    /// not this leg's current video connection (already detached) or the leg has ended.
    /// </summary>
    public void DetachVideoConnection(Connection lost)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                DetachVideoConnectionLocked(lost);
            }
        }
    }

    /// <summary>Counts a redial of the video connection; false once the leg has used up its redials.</summary>
    public bool TryCountVideoRedial(int limit) => Interlocked.Increment(ref _videoRedials) <= limit;

    private void DetachVideoConnectionLocked(Connection lost)
    {
        if (!ReferenceEquals(_attachedVideoConnection, lost))
        {
            return;
        }

        _attachedVideoConnection = null;
        if (_videoConnection.Task.IsCompletedSuccessfully && ReferenceEquals(_videoConnection.Task.Result, lost))
        {
            // Video was going there: the next stream waits for a new connection (or the fallback).
            _videoConnection = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Video shares the call connection (the separate one could not be opened).</summary>
    public void UseCallConnectionForVideo(string reason)
    {
        TaskCompletionSource<Connection> target;
        lock (_gate)
        {
            target = _videoConnection;
        }

        if (target.TrySetResult(Connection))
        {
            Log.VideoConnectionFallback(_logger, _call.Id, Epoch, reason);
        }
    }

    /// <summary>The connection to open the video stream on: the separate one, waited for up to the connect timeout.</summary>
    private async Task<Connection> VideoConnectionAsync(CancellationToken cancellationToken)
    {
        Task<Connection> pending;
        lock (_gate)
        {
            pending = _videoConnection.Task;
        }

        try
        {
            return await pending.WaitAsync(_options.ConnectTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            UseCallConnectionForVideo("none was up within the connect timeout");
            lock (_gate)
            {
                pending = _videoConnection.Task;
            }

            return await pending.ConfigureAwait(false);
        }
    }
}
