using IrohSocial.Media.Framing;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// Inbound <c>iroh-social/call/1</c> streams: each names its call, kind and (control streams, video links) the leg's
/// epoch; streams of unknown or unanswered calls, of another peer, of a stale or taken epoch are refused, and the
/// callee's first control stream of a new epoch starts the leg.
/// </summary>
internal sealed class CallStreamRouter(CallRuntime runtime)
{
    private readonly CallRuntime _runtime = runtime;
    private long _refused;

    /// <summary>Incoming media streams (or connections) refused so far.</summary>
    public long RefusedStreams => Interlocked.Read(ref _refused);

    /// <summary>
    /// Accepts the peer's media streams on a call connection. Every stream starts with the preamble; a stream for
    /// an unknown or unanswered call, or from a peer that is not the call's, is refused, and a connection that
    /// never carried a valid stream is closed. On the callee's side the first control stream names the epoch.
    /// </summary>
    public async Task ServeConnectionAsync(Connection connection, CallLeg? leg, CancellationToken cancellationToken)
    {
        var legReady = new TaskCompletionSource<CallLeg>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (leg is not null)
        {
            legReady.SetResult(leg);
        }

        var handlers = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                TransportStream stream;
                try
                {
                    stream = await connection.AcceptStreamAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TransportException or OperationCanceledException or IOException or ObjectDisposedException)
                {
                    return;
                }

                handlers.Add(Task.Run(() => ServeStreamAsync(connection, stream, legReady, cancellationToken), CancellationToken.None));
                handlers.RemoveAll(t => t.IsCompleted);
            }
        }
        finally
        {
            if (leg is null && legReady.Task.IsCompletedSuccessfully)
            {
                // The callee's leg ends with its connection; the drop watcher restores or fails the call.
                await connection.Closed.WaitAsync(cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }

            legReady.TrySetCanceled(CancellationToken.None);
            await Task.WhenAll(handlers).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private async Task ServeStreamAsync(Connection connection, TransportStream stream, TaskCompletionSource<CallLeg> legReady, CancellationToken cancellationToken)
    {
        MediaStreamPreamble preamble;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_runtime.Options.PreambleTimeout);
            try
            {
                preamble = await MediaStreamPreamble.ReadAsync(stream, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MediaException or TransportException or OperationCanceledException or IOException)
            {
                await RefuseAsync(connection, stream, legReady, "bad preamble: " + ex.Message).ConfigureAwait(false);
                return;
            }
        }

        if (!_runtime.Calls.TryGetValue(preamble.CallId, out var call) || call.State != CallState.Active || call.Peer != connection.RemoteId
            || call.CalleeSecret is null)
        {
            await RefuseAsync(connection, stream, legReady, $"stream for unknown or unanswered call {preamble.CallId}").ConfigureAwait(false);
            return;
        }

        if (preamble.Kind == MediaStreamKind.VideoLink)
        {
            await AttachVideoConnectionAsync(connection, stream, call, legReady, cancellationToken).ConfigureAwait(false);
            return;
        }

        CallLeg leg;
        if (!legReady.Task.IsCompleted && preamble.Kind == MediaStreamKind.Control && !call.IsCaller)
        {
            if (await EpochStreamHead.ReadEpochAsync(stream, cancellationToken).ConfigureAwait(false) is not { } epoch)
            {
                await RefuseAsync(connection, stream, legReady, "control stream without epoch").ConfigureAwait(false);
                return;
            }

            // Atomic: of two control streams naming the same epoch only one may start a leg with its keys.
            if (!call.Epochs.TryClaim(epoch))
            {
                await RefuseAsync(connection, stream, legReady, $"stale or taken epoch {epoch}").ConfigureAwait(false);
                return;
            }

            leg = new CallLeg(call, connection, epoch, CallLeg.DeriveKeys(call.CallerSecret, call.CalleeSecret, call.CallGuid, epoch, isCaller: false),
                _runtime.Options, _runtime.Time, _runtime.Logger);
            if (!legReady.TrySetResult(leg) || !await _runtime.Legs.InstallLegAsync(call, leg, cancellationToken).ConfigureAwait(false))
            {
                await RefuseAsync(connection, stream, legReady, "a second control stream").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            try
            {
                leg = await legReady.Task.WaitAsync(_runtime.Options.PreambleTimeout, _runtime.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                await RefuseAsync(connection, stream, legReady, "media before the control stream").ConfigureAwait(false);
                return;
            }

            if (preamble.Kind == MediaStreamKind.Control)
            {
                // The callee's control stream echoes the epoch before its messages.
                if (await EpochStreamHead.ReadEpochAsync(stream, cancellationToken).ConfigureAwait(false) is not { } echo)
                {
                    await RefuseAsync(connection, stream, legReady, "control stream without epoch").ConfigureAwait(false);
                    return;
                }

                if (echo != leg.Epoch)
                {
                    await RefuseAsync(connection, stream, legReady, "control stream of another epoch").ConfigureAwait(false);
                    return;
                }
            }
        }

        try
        {
            await leg.AcceptAsync(preamble.Kind, stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException or IOException or ObjectDisposedException or MediaException)
        {
            Log.MediaFailed(_runtime.Logger, ex, call.Id);
        }
    }

    /// <summary>
    /// The callee's side of a separate video connection: the caller's first stream on it names the epoch of the leg it
    /// belongs to. The leg may still be installing from the call connection, so it is waited for (up to the preamble
    /// timeout); a link for any other epoch, a second link, or one from the caller's side is refused.
    /// </summary>
    private async Task AttachVideoConnectionAsync(
        Connection connection, TransportStream stream, CallCore call, TaskCompletionSource<CallLeg> legReady, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            if (call.IsCaller || legReady.Task.IsCompleted)
            {
                await RefuseAsync(connection, stream, legReady, "unexpected video link").ConfigureAwait(false);
                return;
            }

            if (await EpochStreamHead.ReadEpochAsync(stream, cancellationToken).ConfigureAwait(false) is not { } epoch)
            {
                await RefuseAsync(connection, stream, legReady, "video link without epoch").ConfigureAwait(false);
                return;
            }

            var start = _runtime.Time.GetTimestamp();
            CallLeg? leg;
            while ((leg = call.Leg) is null || leg.Epoch < epoch)
            {
                if (call.State != CallState.Active || _runtime.Time.GetElapsedTime(start) >= _runtime.Options.PreambleTimeout)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), _runtime.Time, cancellationToken).ConfigureAwait(false);
            }

            if (leg is null || leg.Epoch != epoch || !leg.TryAttachVideoConnection(connection) || !legReady.TrySetResult(leg))
            {
                await RefuseAsync(connection, stream, legReady, $"video link for epoch {epoch}, not the current leg's").ConfigureAwait(false);
                return;
            }

            Log.VideoConnectionUp(_runtime.Logger, call.Id, epoch);
            _runtime.Legs.WatchVideoConnection(call, leg, connection);
        }
    }

    private async Task RefuseAsync(Connection connection, TransportStream stream, TaskCompletionSource<CallLeg> legReady, string reason)
    {
        Interlocked.Increment(ref _refused);
        Log.StreamRefused(_runtime.Logger, connection.RemoteId.ToShortString(), reason);
        stream.Abort(CallStreamErrors.Refused);
        await stream.DisposeAsync().ConfigureAwait(false);
        if (!legReady.Task.IsCompleted)
        {
            try
            {
                await connection.CloseAsync(CallStreamErrors.UnknownCall, "no such call").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TransportException or ObjectDisposedException or IOException)
            {
                // already closed
            }
        }
    }
}
