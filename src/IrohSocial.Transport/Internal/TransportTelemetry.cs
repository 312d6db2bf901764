using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// The <c>IrohSocial.Transport</c> meter and activity source of one endpoint (docs/observability.md lists the
/// instruments). The meter comes from the host's <see cref="IMeterFactory"/> when <see cref="EndpointOptions.MeterFactory"/>
/// names one (the factory owns it), otherwise the endpoint owns its own and disposes it. Tags carry the path and the
/// error kind, never a peer id or an address.
/// </summary>
internal sealed class TransportTelemetry : IDisposable
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "IrohSocial.Transport";

    /// <summary>
    /// Activities (dial, handshake). One per process, as .NET's guidance has it for sources: an ActivitySource holds no
    /// state of ours, listeners attach to it by name.
    /// </summary>
    public static readonly ActivitySource Source = new(Name, typeof(TransportTelemetry).Assembly.GetName().Version?.ToString());

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _handshakeDuration;

    public TransportTelemetry(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _opened = _meter.CreateCounter<long>("irohsocial.transport.connections.opened", "{connection}", "Connections whose peer proved its id, by path and direction.");
        _closed = _meter.CreateCounter<long>("irohsocial.transport.connections.closed", "{connection}", "Proven connections that closed, by path and direction.");
        _failed = _meter.CreateCounter<long>("irohsocial.transport.connections.failed", "{connection}", "Dial attempts and inbound handshakes that failed, by path, direction and error.type.");
        _handshakeDuration = _meter.CreateHistogram<double>(
            "irohsocial.transport.handshake.duration", "s", "Time from starting a dial on one path to a proven connection (TLS 1.3 and identity check).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>A connection proved its peer; counts it and, once it closes, counts that too.</summary>
    public void Track(ConnectionCore connection)
    {
        if (!_opened.Enabled && !_closed.Enabled)
        {
            return;
        }

        var path = connection.Path;
        var direction = DirectionTag(connection.IsClient);
        _opened.Add(1, PathTag(path), TransportTag(path), direction);
        _ = connection.Closed.ContinueWith(
            static (_, state) =>
            {
                var (self, path, direction) = ((TransportTelemetry, ConnectionPath, KeyValuePair<string, object?>))state!;
                self._closed.Add(1, PathTag(path), TransportTag(path), direction);
            },
            (this, path, direction),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>A dial on <paramref name="path"/> ended in <paramref name="error"/>.</summary>
    public void DialFailed(ConnectionPath path, TransportError error)
    {
        if (_failed.Enabled)
        {
            _failed.Add(1, PathTag(path), TransportTag(path), DirectionTag(isClient: true), new("error.type", ErrorTypes.Of(error)));
        }
    }

    /// <summary>An inbound handshake on <paramref name="path"/> failed or was refused (<paramref name="errorType"/> is a constant).</summary>
    public void AcceptFailed(ConnectionPath path, string errorType)
    {
        if (_failed.Enabled)
        {
            _failed.Add(1, PathTag(path), TransportTag(path), DirectionTag(isClient: false), new("error.type", errorType));
        }
    }

    /// <summary>A dial on <paramref name="path"/> that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch"/>) proved its peer.</summary>
    public void HandshakeSucceeded(ConnectionPath path, long startTimestamp)
    {
        if (_handshakeDuration.Enabled)
        {
            _handshakeDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, PathTag(path), TransportTag(path));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>The path as a low-cardinality tag value.</summary>
    public static string PathName(ConnectionPath path) => path switch
    {
        ConnectionPath.Quic => "quic",
        ConnectionPath.Tcp => "tcp",
        ConnectionPath.Relay => "relay",
        _ => "other",
    };

    private static KeyValuePair<string, object?> PathTag(ConnectionPath path) => new("irohsocial.transport.path", PathName(path));

    // OpenTelemetry's network.transport: what carries the bytes on our side (a relay splices TCP/WebSocket).
    private static KeyValuePair<string, object?> TransportTag(ConnectionPath path) => new("network.transport", path == ConnectionPath.Quic ? "quic" : "tcp");

    private static KeyValuePair<string, object?> DirectionTag(bool isClient) => new("irohsocial.connection.direction", isClient ? "outbound" : "inbound");

    /// <summary>Constant <c>error.type</c> values, so a tag never carries a message (which can name a peer or an address).</summary>
    public static class ErrorTypes
    {
        public const string Timeout = "timeout";
        public const string Evicted = "evicted";
        public const string HandshakeFailed = "handshake_failed";
        public const string Refused = "refused";

        public static string Of(TransportError error) => error switch
        {
            TransportError.ConnectionRefused => "connection_refused",
            TransportError.HandshakeTimeout => "handshake_timeout",
            TransportError.HandshakeFailed => HandshakeFailed,
            TransportError.EndpointIdMismatch => "endpoint_id_mismatch",
            TransportError.PeerVerificationFailed => "peer_verification_failed",
            TransportError.AlpnNotSupported => "alpn_not_supported",
            TransportError.ConnectionLimitExceeded => "connection_limit_exceeded",
            TransportError.ConnectionLost => "connection_lost",
            TransportError.EndpointClosed => "endpoint_closed",
            TransportError.PeerNotFound => "peer_not_found",
            TransportError.RelayRefused => "relay_refused",
            TransportError.ProtocolViolation => "protocol_violation",
            TransportError.IdleTimeout => "idle_timeout",
            _ => "other",
        };
    }
}
