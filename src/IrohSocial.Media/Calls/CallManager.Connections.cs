using System.Diagnostics;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Framing;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls;

public sealed partial class CallManager
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private const int MaxVideoRedialsPerLeg = 5;

    /// <summary>The caller's side: opens a call connection (retrying until <paramref name="window"/> is over) or fails the call.</summary>
    private async Task DialAsync(Call call, TimeSpan window)
    {
        if (call.SetupActivity is { } setup)
        {
            Activity.Current = setup; // the first leg's dials (Transport's irohsocial.dial) become its children
        }

        var start = _time.GetTimestamp();
        while (call.State == CallState.Active && !_stop.IsCancellationRequested)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            attempt.CancelAfter(_options.ConnectTimeout);
            Connection? connection = null;
            try
            {
                if (call.CalleeSecret is null || call.PeerAddress is null)
                {
                    break;
                }

                connection = await _endpoint.ConnectAsync(DialAddress(call.PeerAddress), Alpns.Calls, attempt.Token).ConfigureAwait(false);
                var epoch = call.Epochs.Next();
                var leg = new CallLeg(call, connection, epoch,
                    CallLeg.DeriveKeys(call.CallerSecret, call.CalleeSecret, call.CallGuid, epoch, isCaller: true), _options, _time, _logger);
                if (!await InstallLegAsync(call, leg, attempt.Token).ConfigureAwait(false))
                {
                    return;
                }

                _ = Task.Run(() => ServeConnectionAsync(connection, leg, _stop.Token));
                if (leg.WantsVideoConnection)
                {
                    _ = Task.Run(() => OpenVideoConnectionAsync(call, leg));
                }

                return;
            }
            catch (Exception ex) when (ex is TransportException or OperationCanceledException or IOException or MessagingException)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }

                if (_time.GetElapsedTime(start) >= window)
                {
                    break;
                }

                try
                {
                    await Task.Delay(RetryDelay, _time, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        await FailAsync(call).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller's side of a leg's separate video connection: dials a second call/1 connection, names the leg's epoch
    /// on a <see cref="MediaStreamKind.VideoLink"/> stream and hands the connection to the leg; the peer's video streams
    /// arrive on it. When it cannot be opened, video shares the call connection. When it drops while the call
    /// connection stays up, it is dialled again for the same leg (see <see cref="WatchVideoConnection"/>).
    /// </summary>
    private async Task OpenVideoConnectionAsync(Call call, CallLeg leg)
    {
        Connection? connection = null;
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            attempt.CancelAfter(_options.ConnectTimeout);
            connection = await _endpoint.ConnectAsync(DialAddress(call.PeerAddress!), Alpns.Calls, attempt.Token).ConfigureAwait(false);
            await using (var link = await connection.OpenUnidirectionalStreamAsync(attempt.Token).ConfigureAwait(false))
            {
                await EpochStreamHead.WriteAsync(link, call.CallGuid, MediaStreamKind.VideoLink, leg.Epoch, attempt.Token).ConfigureAwait(false);
            }

            if (!leg.TryAttachVideoConnection(connection))
            {
                await CloseQuietlyAsync(connection).ConfigureAwait(false);
                return;
            }

            var attached = connection;
            connection = null; // the leg owns it now
            Log.VideoConnectionUp(_logger, call.Id, leg.Epoch);
            WatchVideoConnection(call, leg, attached);
            await ServeConnectionAsync(attached, leg, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            leg.UseCallConnectionForVideo(ex.Message);
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The callee's side: waits for the caller's connection for <paramref name="window"/>, else fails the call.</summary>
    private async Task AwaitLegAsync(Call call, TimeSpan window)
    {
        var start = _time.GetTimestamp();
        try
        {
            while (call.State == CallState.Active && call.Leg is null)
            {
                if (_time.GetElapsedTime(start) >= window)
                {
                    await FailAsync(call).ConfigureAwait(false);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    private async Task FailAsync(Call call)
    {
        if (call.State == CallState.Ended)
        {
            return;
        }

        _telemetry.LegFailed();
        await SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.End, Reason: "failed"), CancellationToken.None).ConfigureAwait(false);
        await FinishAsync(call, CallEndReason.Failed, "connection lost").ConfigureAwait(false);
    }

    /// <summary>Starts a leg's media and makes it the call's current leg; watches its connection for a drop.</summary>
    private async Task<bool> InstallLegAsync(Call call, CallLeg leg, CancellationToken cancellationToken)
    {
        if (!call.TryAttachLeg(leg, out var previous))
        {
            await CloseLegAsync(leg).ConfigureAwait(false);
            return false;
        }

        if (previous is not null)
        {
            await CloseLegAsync(previous).ConfigureAwait(false);
        }

        try
        {
            await leg.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Log.MediaFailed(_logger, ex, call.Id);
        }

        Log.LegUp(_logger, call.Id, leg.Epoch);
        _telemetry.LegStarted(restored: Interlocked.Increment(ref call.LegsStarted) > 1);
        EndSetupActivity(call, failure: null);
        WatchLegConnection(call, leg, leg.Connection);
        return true;
    }

    /// <summary>When the leg's call connection drops, the leg is lost (restored as a whole, or the call fails).</summary>
    private void WatchLegConnection(Call call, CallLeg leg, Connection connection) =>
        _ = connection.Closed.ContinueWith(
            _ => Task.Run(() => OnLegLostAsync(call, leg)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>
    /// When the leg's video connection drops alone, the leg stays: the audio on the call connection goes on, the caller
    /// dials a new video connection for the same leg (a few times per leg at most, then video shares the call
    /// connection), and the callee waits for it. A drop of both is the call connection's watcher's business.
    /// </summary>
    private void WatchVideoConnection(Call call, CallLeg leg, Connection connection) =>
        _ = connection.Closed.ContinueWith(
            _ => Task.Run(() => OnVideoConnectionLostAsync(call, leg, connection)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async Task OnVideoConnectionLostAsync(Call call, CallLeg leg, Connection connection)
    {
        leg.DetachVideoConnection(connection); // the leg's video sender may have detached it first, on its stream's failure
        if (leg.VideoConnection is not null || !call.IsCaller || !ReferenceEquals(call.Leg, leg) || leg.Connection.Closed.IsCompleted
            || _stop.IsCancellationRequested)
        {
            return;
        }

        if (!leg.TryCountVideoRedial(MaxVideoRedialsPerLeg))
        {
            leg.UseCallConnectionForVideo("the video connection kept dropping");
            return;
        }

        await Task.Delay(RetryDelay, _time, _stop.Token).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (ReferenceEquals(call.Leg, leg) && !leg.Connection.Closed.IsCompleted && !_stop.IsCancellationRequested)
        {
            Log.VideoConnectionRedial(_logger, call.Id, leg.Epoch);
            await OpenVideoConnectionAsync(call, leg).ConfigureAwait(false);
        }
    }

    private async Task OnLegLostAsync(Call call, CallLeg leg)
    {
        if (!call.TryDetachLeg(leg))
        {
            return; // ended or replaced already
        }

        await CloseLegAsync(leg).ConfigureAwait(false);
        if (call.State != CallState.Active || call.Ending || _stop.IsCancellationRequested)
        {
            return;
        }

        Log.Restoring(_logger, call.Id, _options.ReconnectWindow);
        if (call.IsCaller)
        {
            await DialAsync(call, _options.ReconnectWindow).ConfigureAwait(false);
        }
        else
        {
            await AwaitLegAsync(call, _options.ReconnectWindow).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Accepts the peer's media streams on a call connection. Every stream starts with the preamble; a stream for
    /// an unknown or unanswered call, or from a peer that is not the call's, is refused, and a connection that
    /// never carried a valid stream is closed. On the callee's side the first control stream names the epoch.
    /// </summary>
    internal async Task ServeConnectionAsync(Connection connection, CallLeg? leg, CancellationToken cancellationToken)
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
            timeout.CancelAfter(_options.PreambleTimeout);
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

        if (!_calls.TryGetValue(preamble.CallId, out var call) || call.State != CallState.Active || call.Peer != connection.RemoteId
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
                _options, _time, _logger);
            if (!legReady.TrySetResult(leg) || !await InstallLegAsync(call, leg, cancellationToken).ConfigureAwait(false))
            {
                await RefuseAsync(connection, stream, legReady, "a second control stream").ConfigureAwait(false);
                return;
            }
        }
        else
        {
            try
            {
                leg = await legReady.Task.WaitAsync(_options.PreambleTimeout, _time, cancellationToken).ConfigureAwait(false);
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
            Log.MediaFailed(_logger, ex, call.Id);
        }
    }

    /// <summary>
    /// The callee's side of a separate video connection: the caller's first stream on it names the epoch of the leg it
    /// belongs to. The leg may still be installing from the call connection, so it is waited for (up to the preamble
    /// timeout); a link for any other epoch, a second link, or one from the caller's side is refused.
    /// </summary>
    private async Task AttachVideoConnectionAsync(
        Connection connection, TransportStream stream, Call call, TaskCompletionSource<CallLeg> legReady, CancellationToken cancellationToken)
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

            var start = _time.GetTimestamp();
            CallLeg? leg;
            while ((leg = call.Leg) is null || leg.Epoch < epoch)
            {
                if (call.State != CallState.Active || _time.GetElapsedTime(start) >= _options.PreambleTimeout)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
            }

            if (leg is null || leg.Epoch != epoch || !leg.TryAttachVideoConnection(connection) || !legReady.TrySetResult(leg))
            {
                await RefuseAsync(connection, stream, legReady, $"video link for epoch {epoch}, not the current leg's").ConfigureAwait(false);
                return;
            }

            Log.VideoConnectionUp(_logger, call.Id, epoch);
            WatchVideoConnection(call, leg, connection);
        }
    }

    private async Task RefuseAsync(Connection connection, TransportStream stream, TaskCompletionSource<CallLeg> legReady, string reason)
    {
        Interlocked.Increment(ref _refusedStreams);
        Log.StreamRefused(_logger, connection.RemoteId.ToShortString(), reason);
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
