using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace IrohSocial.Testing;

internal sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>An <see cref="IMeterFactory"/> that records what its own meters measure (and only those, whatever else runs in parallel).</summary>
internal sealed class RecordingMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private readonly ConcurrentQueue<Recorded> _recorded = new();
    private readonly ConcurrentDictionary<string, byte> _published = new();
    private readonly ConcurrentDictionary<string, byte> _completed = new();
    private readonly MeterListener _listener = new();

    public RecordingMeterFactory()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, this))
            {
                _published.TryAdd(instrument.Name, 0);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _completed.TryAdd(instrument.Name, 0);
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public IEnumerable<Recorded> All => _recorded;

    public IEnumerable<string> PublishedInstruments => _published.Keys;

    /// <summary>Instruments whose meter was disposed while the factory was still alive.</summary>
    public IEnumerable<string> CompletedInstruments => _completed.Keys;

    /// <summary>Runs the observable instruments' callbacks now (their values land in <see cref="Measurements"/>).</summary>
    public void ObserveNow() => _listener.RecordObservableInstruments();

    public IReadOnlyList<Recorded> Measurements(string instrument) => _recorded.Where(r => r.Instrument == instrument).ToList();

    /// <summary>Waits (bounded) for a measurement that arrives from a connection's close continuation.</summary>
    public async Task WaitForAsync(string instrument)
    {
        using var timeout = new CancellationTokenSource();
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (Measurements(instrument).Count == 0)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _recorded.Enqueue(new Recorded(instrument.Name, value, copy));
    }
}
