using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>
/// Keeps one identity registered on one relay while it runs: registers, accepts every announced dial with a second
/// socket and hands the spliced stream to <c>onAccepted</c>, and after the registration ends (relay restart, network
/// change) registers again after a jittered exponential backoff. A registration replaced by a newer one for the same
/// id stops for good, so two instances of one identity do not take the relay from each other in a loop.
/// </summary>
internal sealed class RelayListener : IAsyncDisposable
{
    private readonly RelayClient _client;
    private readonly Func<RelayedStream, CancellationToken, Task> _onAccepted;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private TaskCompletionSource _registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Cancelled (and replaced) by RenewNow: ends the current registration or backoff so the loop registers at once.
    private CancellationTokenSource _renew = new();
    private Task? _loop;

    public RelayListener(RelayClient client, Func<RelayedStream, CancellationToken, Task> onAccepted, ILogger logger, TimeProvider time)
    {
        _client = client;
        _onAccepted = onAccepted;
        _logger = logger;
        _time = time;
    }

    /// <summary>First retry delay; doubles per failed attempt up to <see cref="MaxBackoff"/>, each drawn between half and all of it.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest retry delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The relay this listener registers on.</summary>
    public RelayAddress Relay => _client.Relay;

    /// <summary>Whether a registration is live right now.</summary>
    public bool IsRegistered { get; private set; }

    /// <summary>How many times a registration has been accepted (tests watch re-registration).</summary>
    public int Registrations { get; private set; }

    /// <summary>Why the listener stopped for good (replaced by a newer registration), or null while it runs.</summary>
    public TransportException? Stopped { get; private set; }

    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>
    /// Drops the current registration (after a network change its socket may be dead without knowing it) and registers
    /// again at once, skipping any backoff. The relay hands the id to the newest registration.
    /// </summary>
    public void RenewNow()
    {
        CancellationTokenSource renew;
        lock (_gate)
        {
            renew = _renew;
            _renew = new CancellationTokenSource();
        }

        renew.Cancel(); // not disposed: the loop may still be linking its token (a source without timers holds nothing)
    }

    private CancellationToken RenewToken
    {
        get
        {
            lock (_gate)
            {
                return _renew.Token;
            }
        }
    }

    /// <summary>Completes once a registration is live (now or the next one).</summary>
    public Task WaitRegisteredAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return IsRegistered ? Task.CompletedTask : _registered.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        var attempt = 0;
        while (!_stop.IsCancellationRequested)
        {
            var renew = RenewToken;
            using var current = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, renew);
            try
            {
                await using var registration = await _client.RegisterAsync(current.Token).ConfigureAwait(false);
                attempt = 0;
                lock (_gate)
                {
                    IsRegistered = true;
                    Registrations++;
                    _registered.TrySetResult();
                }

                RelayLog.Registered(_logger, _client.Relay.Url);
                while (true)
                {
                    var incoming = await registration.ReadIncomingAsync(current.Token).ConfigureAwait(false);
                    _ = AcceptAsync(incoming);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (renew.IsCancellationRequested)
            {
                RelayLog.Renewing(_logger, _client.Relay.Url);
                attempt = 0;
                continue; // the finally below marks the registration gone; register again without a backoff
            }
            catch (TransportException ex) when (ex.ApplicationErrorCode == (long)RelayRefusal.Replaced)
            {
                RelayLog.Replaced(_logger, _client.Relay.Url);
                Stopped = ex;
                return;
            }
            // A relay going away mid-handshake surfaces as a WebSocketException (not an IOException): it must end this
            // attempt only, or the node would never register again after a relay restart.
            catch (Exception ex) when (ex is TransportException or IOException or ObjectDisposedException or InvalidOperationException
                or System.Net.WebSockets.WebSocketException or HttpRequestException)
            {
                RelayLog.RegistrationEnded(_logger, _client.Relay.Url, ex.Message);
            }
            finally
            {
                lock (_gate)
                {
                    if (IsRegistered)
                    {
                        IsRegistered = false;
                        _registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }
            }

            var delay = Backoff(attempt++);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, RenewToken);
            try
            {
                await Task.Delay(delay, _time, waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                attempt = 0; // renewed during the backoff: register now
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Full exponential backoff with jitter: a delay drawn from [d/2, d], d = min(max, min * 2^attempt).</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private async Task AcceptAsync(RelayIncoming incoming)
    {
        RelayedStream stream;
        try
        {
            stream = await _client.AcceptAsync(incoming, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            RelayLog.AcceptFailed(_logger, incoming.Dialer.ToShortString(), ex.Message);
            return;
        }

        try
        {
            await _onAccepted(stream, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            RelayLog.AcceptFailed(_logger, incoming.Dialer.ToShortString(), ex.Message);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}

/// <summary>Relay client log messages (EventIds 3050-3069 of the transport range).</summary>
internal static partial class RelayLog
{
    [LoggerMessage(3050, LogLevel.Information, "Registered on relay {Relay}")]
    public static partial void Registered(ILogger logger, Uri relay);

    [LoggerMessage(3051, LogLevel.Information, "Registration on relay {Relay} ended: {Reason}; registering again after a backoff")]
    public static partial void RegistrationEnded(ILogger logger, Uri relay, string reason);

    [LoggerMessage(3052, LogLevel.Warning, "Registration on relay {Relay} was replaced by a newer one for the same id; not registering again")]
    public static partial void Replaced(ILogger logger, Uri relay);

    [LoggerMessage(3053, LogLevel.Debug, "Accepting a relayed dial from {Dialer} failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string dialer, string reason);

    [LoggerMessage(3054, LogLevel.Debug, "Connected to {RemoteId} through relay {Relay} with ALPN {Alpn}")]
    public static partial void RelayedConnected(ILogger logger, string remoteId, Uri relay, string alpn);

    [LoggerMessage(3056, LogLevel.Information, "Registering on relay {Relay} again at once after a network change")]
    public static partial void Renewing(ILogger logger, Uri relay);

    [LoggerMessage(3055, LogLevel.Debug, "Accepted {RemoteId} through a relay with ALPN {Alpn}")]
    public static partial void RelayedAccepted(ILogger logger, string remoteId, string alpn);
}
