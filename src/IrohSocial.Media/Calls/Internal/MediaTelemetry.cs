using System.Diagnostics;
using System.Diagnostics.Metrics;
using IrohSocial.Media.Stats;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// The <c>IrohSocial.Media</c> meter and activity source of one <see cref="CallManager"/> (docs/observability.md
/// lists the instruments). The meter comes from the node's <see cref="IMeterFactory"/> when the host gives one (the
/// factory owns it), otherwise the manager owns one and disposes it. No tag names a peer or a call.
/// </summary>
internal sealed class MediaTelemetry : IDisposable
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "IrohSocial.Media";

    /// <summary>Activities (call setup). One per process, as .NET's guidance has it: it holds no state of ours.</summary>
    public static readonly ActivitySource Source = new(Name, typeof(MediaTelemetry).Assembly.GetName().Version?.ToString());

    private static readonly KeyValuePair<string, object?> Audio = new("irohsocial.media.kind", "audio");
    private static readonly KeyValuePair<string, object?> Video = new("irohsocial.media.kind", "video");
    private static readonly KeyValuePair<string, object?> Transmit = new("network.io.direction", "transmit");
    private static readonly KeyValuePair<string, object?> Receive = new("network.io.direction", "receive");

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _legsStarted;
    private readonly Counter<long> _legsRestored;
    private readonly Counter<long> _legsFailed;
    private readonly Counter<long> _concealed;

    // A factory's meter outlives the manager; the gauge's callback must not keep the manager's calls alive after it.
    private Func<Call?>? _currentCall;

    public MediaTelemetry(IMeterFactory? meterFactory, Func<Call?> currentCall)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _currentCall = currentCall;
        _legsStarted = _meter.CreateCounter<long>("irohsocial.call.legs.started", "{leg}", "Call connections whose media started (the first one of a call and every restored one).");
        _legsRestored = _meter.CreateCounter<long>("irohsocial.call.legs.restored", "{leg}", "Call connections that replaced one that dropped.");
        _legsFailed = _meter.CreateCounter<long>("irohsocial.call.legs.failed", "{call}", "Answered calls that ended as failed because no call connection could be opened or restored in time.");
        _concealed = _meter.CreateCounter<long>("irohsocial.call.audio.concealed_frames", "{frame}", "Audio frames played out of packet-loss concealment.");
        _meter.CreateObservableGauge("irohsocial.call.bitrate", ObserveBitrate, "bit/s", "The current call's media bitrate, by irohsocial.media.kind and network.io.direction.");
    }

    public void LegStarted(bool restored)
    {
        _legsStarted.Add(1);
        if (restored)
        {
            _legsRestored.Add(1);
        }
    }

    public void LegFailed() => _legsFailed.Add(1);

    /// <summary>Counts what concealment the call's running total <paramref name="stats"/> adds since its last report.</summary>
    public void Concealed(CallCore call, CallStats stats)
    {
        var concealed = stats.Counters.ConcealedFrames;
        var before = Interlocked.Exchange(ref call.ConcealedFramesCounted, concealed);
        if (concealed > before)
        {
            _concealed.Add(concealed - before);
        }
    }

    /// <summary>
    /// The caller's <c>irohsocial.call_setup</c> activity: from the offer to the first call connection whose media
    /// started (or the call's end). It spans signals and dials on other flows, so the call holds it rather than
    /// <see cref="Activity.Current"/>; the dials of the first leg run as its children. No peer or call id on it
    /// (docs/security.md, "Telemetry").
    /// </summary>
    public static void StartSetupActivity(CallCore call)
    {
        var parent = Activity.Current;
        var activity = Source.StartActivity("irohsocial.call_setup", ActivityKind.Client);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("irohsocial.call.video", call.OfferedVideo);
        call.SetupActivity = activity;
        Activity.Current = parent; // not ambient for the rest of StartCallAsync's flow (ring timer, signals)
    }

    /// <summary>Makes the call's setup activity (if any) the parent of what this flow starts next (the first leg's dials).</summary>
    public static void EnterSetupActivity(CallCore call)
    {
        if (call.SetupActivity is { } setup)
        {
            Activity.Current = setup;
        }
    }

    /// <summary>Ends the setup activity once: <paramref name="failure"/> null when media started.</summary>
    public static void EndSetupActivity(CallCore call, string? failure)
    {
        if (Interlocked.Exchange(ref call.SetupActivity, null) is not { } activity)
        {
            return;
        }

        if (failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", failure);
        }

        activity.Stop();
    }

    public void Dispose()
    {
        Volatile.Write(ref _currentCall, null);
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    // One call at a time (CallManager refuses a second), so "the current call's" bitrate needs no call tag.
    private IEnumerable<Measurement<double>> ObserveBitrate()
    {
        if (Volatile.Read(ref _currentCall)?.Invoke() is not { State: CallState.Active } call || call.LatestStats is not { } audio)
        {
            return [];
        }

        var measurements = new List<Measurement<double>>(4)
        {
            new(audio.SendBitrate, Audio, Transmit),
            new(audio.ReceiveBitrate, Audio, Receive),
        };
        if (call.LatestVideoStats is { } video)
        {
            measurements.Add(new(video.SendBitrateKbps * 1000, Video, Transmit));
            measurements.Add(new(video.ReceiveBitrateKbps * 1000, Video, Receive));
        }

        return measurements;
    }
}
