using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace IrohSocial.Hosting.Tests;

/// <summary>
/// What an operator's OpenTelemetry pipeline sees of two hosted nodes that exchange a message and hold a short call
/// (docs/observability.md). OpenTelemetry listens by meter and source name, process-wide: the test runs alone (see
/// <see cref="RunsAloneCollection"/>), the checks are lower bounds, and the host's own meters are checked through its
/// IMeterFactory.
/// </summary>
[Collection(nameof(RunsAloneCollection))]
public sealed class TelemetryTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "irohsocial-telemetry-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task HostedNodes_MessageAndCall_ExportExpectedMetricsAndActivities()
    {
        var metrics = new List<MetricSnapshot>();
        var exportedActivities = new LockedCollection<Activity>();
        using var meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter("IrohSocial.*").AddInMemoryExporter(metrics).Build();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource("IrohSocial.*").AddInMemoryExporter(exportedActivities).Build();
        using var alice = BuildHost("alice");
        using var bob = BuildHost("bob");
        await alice.StartAsync();
        await bob.StartAsync();
        var aliceNode = alice.Services.GetRequiredService<IrohSocialHost>();
        var bobNode = bob.Services.GetRequiredService<IrohSocialHost>();
        var hostMeters = MetersCreatedBy(alice.Services.GetRequiredService<IMeterFactory>());
        var ids = new[] { aliceNode.Id, bobNode.Id }.SelectMany(id => new[] { id.ToString(), id.ToShortString() }).ToArray();

        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        aliceNode.Messages.MessageDelivered += (_, _) => delivered.TrySetResult();
        await aliceNode.Messages.SendMessageAsync(bobNode.Address, "measured, not logged");
        await delivered.Task.WaitAsync(Wait);

        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        bobNode.Node.Calls.IncomingCall += async (_, e) => answered.TrySetResult(await bobNode.Node.Calls.AnswerAsync(e.CallId, new CallMedia { AudioSink = new MemoryAudioSink() }));
        await using var tone = new ToneSource(440);
        var call = await aliceNode.Node.Calls.StartCallAsync(bobNode.Address, new CallMedia { AudioSource = tone });
        var bobCall = await answered.Task.WaitAsync(Wait);
        while (call.LatestStats is null && !call.Completion.IsCompleted)
        {
            await Task.Delay(20);
        }

        Assert.True(meterProvider.ForceFlush());
        var duringCall = Snapshot(metrics);
        await aliceNode.Node.Calls.EndAsync(call.Id);
        await bobCall.Completion.WaitAsync(Wait);
        await alice.StopAsync();
        await bob.StopAsync();
        Assert.True(meterProvider.ForceFlush());
        Assert.True(tracerProvider.ForceFlush());
        var after = Snapshot(metrics);
        var activities = exportedActivities.ToList();

        Assert.Contains("IrohSocial.Transport", hostMeters.Keys);
        Assert.Contains("IrohSocial.Messaging", hostMeters.Keys);
        Assert.Contains("IrohSocial.Media", hostMeters.Keys);

        Assert.True(Sum(after, "irohsocial.dm.envelopes.sent") >= 1);
        Assert.True(Sum(after, "irohsocial.dm.envelopes.received") >= 1);
        Assert.True(Sum(after, "irohsocial.transport.connections.opened") >= 2); // the DM connection and the call's
        Assert.True(Sum(after, "irohsocial.transport.connections.closed") >= 1);
        Assert.True(Sum(after, "irohsocial.call.legs.started") >= 1);
        Assert.Contains(after["irohsocial.transport.handshake.duration"], p => p.GetHistogramCount() >= 1 && HasTag(p, "irohsocial.transport.path"));
        Assert.Contains("irohsocial.dm.outbox.depth", duringCall.Keys); // observed while the nodes run
        Assert.Contains(duringCall["irohsocial.call.bitrate"], p => p.GetGaugeLastValueDouble() > 0 && HasTag(p, "network.io.direction", "transmit"));

        var names = activities.Select(a => a.OperationName).ToHashSet();
        Assert.Contains("irohsocial.send_message", names);
        Assert.Contains("irohsocial.dial", names);
        Assert.Contains("irohsocial.handshake", names);
        Assert.Contains("irohsocial.call_setup", names);
        Assert.Contains(activities, a => a.OperationName == "irohsocial.call_setup" && a.Status != ActivityStatusCode.Error);

        // Privacy (docs/security.md, "Telemetry"): no tag carries either node's id, in any form we print.
        var tagValues = activities.SelectMany(a => a.TagObjects).Select(t => t.Value?.ToString() ?? "")
            .Concat(after.Values.SelectMany(points => points).SelectMany(TagValues))
            .ToList();
        Assert.DoesNotContain(tagValues, value => ids.Any(id => value.Contains(id, StringComparison.OrdinalIgnoreCase)));
    }

    private static Dictionary<string, List<MetricPoint>> Snapshot(List<MetricSnapshot> exported)
    {
        lock (exported)
        {
            var result = new Dictionary<string, List<MetricPoint>>();
            foreach (var metric in exported)
            {
                if (!result.TryGetValue(metric.Name, out var points))
                {
                    result[metric.Name] = points = [];
                }

                points.AddRange(metric.MetricPoints);
            }

            exported.Clear();
            return result;
        }
    }

    // Cumulative sums: the last export holds the totals, and the sum over its tag sets is the instrument's total.
    private static long Sum(Dictionary<string, List<MetricPoint>> snapshot, string name) =>
        snapshot.TryGetValue(name, out var points) ? points.Max(p => p.GetSumLong()) : 0;

    private static bool HasTag(MetricPoint point, string key, string? value = null)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key && (value is null || Equals(tag.Value, value)))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> TagValues(MetricPoint point)
    {
        var values = new List<string>();
        foreach (var tag in point.Tags)
        {
            values.Add(tag.Value?.ToString() ?? "");
        }

        return values;
    }

    /// <summary>The meters (by name) that instruments created through <paramref name="factory"/> belong to.</summary>
    private static ConcurrentDictionary<string, byte> MetersCreatedBy(IMeterFactory factory)
    {
        var names = new ConcurrentDictionary<string, byte>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    names.TryAdd(instrument.Meter.Name, 0);
                }
            },
        };
        listener.Start(); // publishes every instrument that exists already
        return names;
    }

    private IHost BuildHost(string name)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddIrohSocial(o =>
        {
            o.IdentityKeyPath = Path.Combine(_folder, name, "identity.key");
            o.DatabasePath = Path.Combine(_folder, name + ".db");
            o.BindAddress = "127.0.0.1:0";
            o.Provider = IrohSocial.Testing.TestTransport.Require();
            o.AttachmentDirectory = Path.Combine(_folder, name, "attachments");
            o.Extensions.Add(new CallsExtension());
        });
        return builder.Build();
    }

    /// <summary>Exporters of nodes in other tests may add while this test reads; OpenTelemetry's exporter takes any ICollection.</summary>
    private sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item)
        {
            lock (_items)
            {
                return _items.Contains(item);
            }
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (_items)
            {
                _items.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator()
        {
            lock (_items)
            {
                return _items.ToList().GetEnumerator();
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
