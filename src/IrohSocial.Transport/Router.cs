using System.Collections.Concurrent;
using IrohSocial.Transport.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Transport;

/// <summary>
/// Accepts connections on an <see cref="Endpoint"/> and hands each to the <see cref="IProtocolHandler"/> registered for
/// its ALPN, one task per connection. Connections with an ALPN that has no handler are closed with
/// <see cref="TransportError.AlpnNotSupported"/>. <see cref="ShutdownAsync"/> stops accepting and lets handlers finish
/// within a grace period.
/// </summary>
public sealed class Router : IAsyncDisposable
{
    /// <summary>Grace period used by <see cref="DisposeAsync"/>.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(5);

    private readonly Endpoint _endpoint;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IProtocolHandler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _acceptStop = new();
    private readonly CancellationTokenSource _handlersStop = new();
    private Task? _acceptLoop;
    private int _shutdown;

    /// <summary>Creates a router for <paramref name="endpoint"/>; register handlers with <see cref="Accept"/>, then <see cref="Start"/>.</summary>
    public Router(Endpoint endpoint, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoint = endpoint;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("IrohSocial.Transport.Router");
    }

    /// <summary>Registers <paramref name="handler"/> for <paramref name="alpn"/>. Call before <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">The endpoint does not accept <paramref name="alpn"/> (see <see cref="EndpointOptions.Alpns"/>) or it is already registered.</exception>
    /// <exception cref="InvalidOperationException">The router has started.</exception>
    public Router Accept(string alpn, IProtocolHandler handler)
    {
        EndpointOptions.ValidateAlpn(alpn, nameof(alpn));
        ArgumentNullException.ThrowIfNull(handler);
        if (_acceptLoop is not null)
        {
            throw new InvalidOperationException("Register handlers before Start.");
        }

        if (!_endpoint.Alpns.Contains(alpn, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The endpoint does not accept ALPN \"{alpn}\"; add it to EndpointOptions.Alpns.", nameof(alpn));
        }

        if (!_handlers.TryAdd(alpn, handler))
        {
            throw new ArgumentException($"A handler for ALPN \"{alpn}\" is already registered.", nameof(alpn));
        }

        return this;
    }

    /// <summary>Starts the accept loop.</summary>
    /// <exception cref="InvalidOperationException">Already started or shut down.</exception>
    public void Start()
    {
        if (_acceptLoop is not null || Volatile.Read(ref _shutdown) == 1)
        {
            throw new InvalidOperationException("The router was already started or shut down.");
        }

        foreach (var alpn in _handlers.Keys)
        {
            Log.RouterServing(_logger, alpn);
        }

        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>
    /// Stops accepting, calls every handler's <see cref="IProtocolHandler.ShutdownAsync"/>, waits up to
    /// <paramref name="gracePeriod"/> for connection handlers, then cancels them and closes their connections.
    /// </summary>
    public async ValueTask ShutdownAsync(TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gracePeriod, TimeSpan.Zero, nameof(gracePeriod));
        if (Interlocked.Exchange(ref _shutdown, 1) == 1)
        {
            return;
        }

        await _acceptStop.CancelAsync().ConfigureAwait(false);
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        using var shutdownBudget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        shutdownBudget.CancelAfter(gracePeriod);
        foreach (var (alpn, handler) in _handlers)
        {
            try
            {
                await handler.ShutdownAsync(shutdownBudget.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.HandlerShutdownFailed(_logger, ex, alpn);
            }
        }

        var running = Task.WhenAll(_running.Keys);
        try
        {
            await running.WaitAsync(shutdownBudget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // grace period over: cancel handlers and wait for them to notice
        }

        var remaining = _running.Count;
        await _handlersStop.CancelAsync().ConfigureAwait(false);
        await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.RouterShutdown(_logger, remaining);
    }

    /// <summary>Shuts down with <see cref="DefaultGracePeriod"/>.</summary>
    public ValueTask DisposeAsync() => ShutdownAsync(DefaultGracePeriod);

    private async Task AcceptLoopAsync()
    {
        while (!_acceptStop.IsCancellationRequested)
        {
            Connection connection;
            try
            {
                connection = await _endpoint.AcceptAsync(_acceptStop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_acceptStop.IsCancellationRequested)
            {
                return;
            }
            catch (TransportException ex) when (ex.Error == TransportError.EndpointClosed)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.AcceptLoopFailed(_logger, ex);
                return;
            }

            if (!_handlers.TryGetValue(connection.Alpn, out var handler))
            {
                Log.RouterNoHandler(_logger, connection.RemoteId.ToShortString(), connection.Alpn);
                _ = connection.Core.CloseAsync(CloseCodes.For(TransportError.AlpnNotSupported), "no handler for this ALPN", CancellationToken.None).AsTask();
                continue;
            }

            var task = RunHandlerAsync(handler, connection);
            _running.TryAdd(task, 0);
            _ = task.ContinueWith((t, s) => ((Router)s!)._running.TryRemove(t, out _), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunHandlerAsync(IProtocolHandler handler, Connection connection)
    {
        await Task.Yield(); // never run a handler on the accept loop
        try
        {
            await handler.HandleConnectionAsync(connection, _handlersStop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_handlersStop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex, connection.Alpn, connection.RemoteId.ToShortString());
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
