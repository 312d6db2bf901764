using IrohSocial.Media.Framing;
using IrohSocial.Messaging;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// A call's media legs: the caller dials a leg (retrying within a window) and its separate video connection, the
/// callee waits for one; a leg is installed as the call's current one, its connections are watched, and a lost leg
/// is restored (dialled again or waited for) within the reconnect window, or the call fails.
/// </summary>
internal sealed class CallLegs(CallRuntime runtime)
{
    private readonly CallRuntime _runtime = runtime;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private const int MaxVideoRedialsPerLeg = 5;

    /// <summary>The caller's side: opens a call connection (retrying until <paramref name="window"/> is over) or fails the call.</summary>
    public async Task DialAsync(CallCore call, TimeSpan window)
    {
        MediaTelemetry.EnterSetupActivity(call); // the first leg's dials (Transport's irohsocial.dial) become its children
        var start = _runtime.Time.GetTimestamp();
        while (call.State == CallState.Active && !_runtime.Stop.IsCancellationRequested)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_runtime.Stop.Token);
            attempt.CancelAfter(_runtime.Options.ConnectTimeout);
            Connection? connection = null;
            try
            {
                if (call.CalleeSecret is null || call.PeerAddress is null)
                {
                    break;
                }

                connection = await _runtime.Endpoint.ConnectAsync(DialAddress(call.PeerAddress), Alpns.Calls, attempt.Token).ConfigureAwait(false);
                var epoch = call.Epochs.Next();
                var leg = new CallLeg(call, connection, epoch,
                    CallLeg.DeriveKeys(call.CallerSecret, call.CalleeSecret, call.CallGuid, epoch, isCaller: true), _runtime.Options, _runtime.Time, _runtime.Logger);
                if (!await InstallLegAsync(call, leg, attempt.Token).ConfigureAwait(false))
                {
                    return;
                }

                _ = Task.Run(() => _runtime.Streams.ServeConnectionAsync(connection, leg, _runtime.Stop.Token));
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

                if (_runtime.Time.GetElapsedTime(start) >= window)
                {
                    break;
                }

                try
                {
                    await Task.Delay(RetryDelay, _runtime.Time, _runtime.Stop.Token).ConfigureAwait(false);
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
    private async Task OpenVideoConnectionAsync(CallCore call, CallLeg leg)
    {
        Connection? connection = null;
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_runtime.Stop.Token);
            attempt.CancelAfter(_runtime.Options.ConnectTimeout);
            connection = await _runtime.Endpoint.ConnectAsync(DialAddress(call.PeerAddress!), Alpns.Calls, attempt.Token).ConfigureAwait(false);
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
            Log.VideoConnectionUp(_runtime.Logger, call.Id, leg.Epoch);
            WatchVideoConnection(call, leg, attached);
            await _runtime.Streams.ServeConnectionAsync(attached, leg, _runtime.Stop.Token).ConfigureAwait(false);
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
    public async Task AwaitLegAsync(CallCore call, TimeSpan window)
    {
        var start = _runtime.Time.GetTimestamp();
        try
        {
            while (call.State == CallState.Active && call.Leg is null)
            {
                if (_runtime.Time.GetElapsedTime(start) >= window)
                {
                    await FailAsync(call).ConfigureAwait(false);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), _runtime.Time, _runtime.Stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    private async Task FailAsync(CallCore call)
    {
        if (call.State == CallState.Ended)
        {
            return;
        }

        _runtime.Telemetry.LegFailed();
        await _runtime.Signaling.SendBestEffortAsync(call, new CallSignal(call.Id, CallSignalKind.End, Reason: "failed"), CancellationToken.None).ConfigureAwait(false);
        await _runtime.FinishAsync(call, CallEndReason.Failed, "connection lost").ConfigureAwait(false);
    }

    /// <summary>Starts a leg's media and makes it the call's current leg; watches its connection for a drop.</summary>
    public async Task<bool> InstallLegAsync(CallCore call, CallLeg leg, CancellationToken cancellationToken)
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
            Log.MediaFailed(_runtime.Logger, ex, call.Id);
        }

        Log.LegUp(_runtime.Logger, call.Id, leg.Epoch);
        StartWatchdog(call);
        _runtime.Telemetry.LegStarted(restored: Interlocked.Increment(ref call.LegsStarted) > 1);
        MediaTelemetry.EndSetupActivity(call, failure: null);
        WatchLegConnection(call, leg, leg.Connection);
        return true;
    }

    /// <summary>When the leg's call connection drops, the leg is lost (restored as a whole, or the call fails).</summary>
    private void WatchLegConnection(CallCore call, CallLeg leg, Connection connection) =>
        _ = connection.Closed.ContinueWith(
            _ => Task.Run(() => OnLegLostAsync(call, leg)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>
    /// When the leg's video connection drops alone, the leg stays: the audio on the call connection goes on, the caller
    /// dials a new video connection for the same leg (a few times per leg at most, then video shares the call
    /// connection), and the callee waits for it. A drop of both is the call connection's watcher's business.
    /// </summary>
    public void WatchVideoConnection(CallCore call, CallLeg leg, Connection connection) =>
        _ = connection.Closed.ContinueWith(
            _ => Task.Run(() => OnVideoConnectionLostAsync(call, leg, connection)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async Task OnVideoConnectionLostAsync(CallCore call, CallLeg leg, Connection connection)
    {
        leg.DetachVideoConnection(connection); // the leg's video sender may have detached it first, on its stream's failure
        if (leg.VideoConnection is not null || !call.IsCaller || !ReferenceEquals(call.Leg, leg) || leg.Connection.Closed.IsCompleted
            || _runtime.Stop.IsCancellationRequested)
        {
            return;
        }

        if (!leg.TryCountVideoRedial(MaxVideoRedialsPerLeg))
        {
            leg.UseCallConnectionForVideo("the video connection kept dropping");
            return;
        }

        await Task.Delay(RetryDelay, _runtime.Time, _runtime.Stop.Token).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (ReferenceEquals(call.Leg, leg) && !leg.Connection.Closed.IsCompleted && !_runtime.Stop.IsCancellationRequested)
        {
            Log.VideoConnectionRedial(_runtime.Logger, call.Id, leg.Epoch);
            await OpenVideoConnectionAsync(call, leg).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The network changed: the current leg's path may be dead without anyone knowing yet, so it is restored now (the
    /// caller dials the peer's freshest address, the callee closes its side so the caller notices at once and waits).
    /// </summary>
    public void RestoreNow(CallCore call, string why)
    {
        if (call.State == CallState.Active && call.Leg is { } leg)
        {
            Log.LegDeclaredLost(_runtime.Logger, call.Id, leg.Epoch, why);
            _ = Task.Run(() => OnLegLostAsync(call, leg));
        }
    }

    /// <summary>The call's watchdog (one per call, from its first leg to its end).</summary>
    private void StartWatchdog(CallCore call)
    {
        if (call.Watchdog is not null)
        {
            return;
        }

        var watchdog = new CallWatchdog(
            call, _runtime.Options.DeadPathTimeout, _runtime.Time,
            onDeadPath: dead =>
            {
                Log.LegDeclaredLost(_runtime.Logger, call.Id, dead.Epoch, $"nothing received for {_runtime.Options.DeadPathTimeout.TotalSeconds:0.#} s");
                _runtime.Dm.ReportPathDead(call.Peer); // the DM connection most likely ran the same dead path: signals must not wait on it
                _ = Task.Run(() => OnLegLostAsync(call, dead));
            },
            onAudioRestored: gap => OnAudioRestored(call, gap));
        call.Watchdog = watchdog;
        if (call.State == CallState.Ended)
        {
            watchdog.Dispose(); // ended while the leg started: FinishAsync may have looked before it was set
        }
    }

    private void OnAudioRestored(CallCore call, TimeSpan gap)
    {
        if (call.Leg is not { } leg)
        {
            return;
        }

        Log.AudioRestored(_runtime.Logger, call.Id, gap.TotalMilliseconds, leg.Connection.Path);
        _runtime.Raise(new CallReconnectedEvent(call.Id, call.Peer, gap, leg.Connection.Path));
    }

    private async Task OnLegLostAsync(CallCore call, CallLeg leg)
    {
        if (!call.TryDetachLeg(leg))
        {
            return; // ended or replaced already
        }

        call.Watchdog?.OnLegLost();

        await CloseLegAsync(leg).ConfigureAwait(false);
        if (call.State != CallState.Active || call.Ending || _runtime.Stop.IsCancellationRequested)
        {
            return;
        }

        Log.Restoring(_runtime.Logger, call.Id, _runtime.Options.ReconnectWindow);
        if (call.IsCaller)
        {
            await DialAsync(call, _runtime.Options.ReconnectWindow).ConfigureAwait(false);
        }
        else
        {
            await AwaitLegAsync(call, _runtime.Options.ReconnectWindow).ConfigureAwait(false);
        }
    }

    public static async Task CloseLegAsync(CallLeg leg)
    {
        await leg.DisposeAsync().ConfigureAwait(false);
        // Closing waits for the peer's acknowledgement (up to seconds on a dead link): don't hold the call's end on it.
        _ = CloseQuietlyAsync(leg.Connection);
        if (leg.VideoConnection is { } video)
        {
            _ = CloseQuietlyAsync(video);
        }
    }

    public static async Task CloseQuietlyAsync(Connection connection)
    {
        try
        {
            await connection.CloseAsync(CallStreamErrors.CallEnded, "call ended").ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // already gone
        }
    }

    /// <summary>
    /// Where a call leg dials: what the conversation knows now (the peer's own <c>peer.address</c> update merged with the
    /// address the call started with), so a leg after the conversation went direct takes the direct path (the relay
    /// still joins the race after its head start).
    /// </summary>
    private EndpointAddr DialAddress(EndpointAddr started) => _runtime.Dm.GetKnownAddress(started.Id) ?? started;
}
