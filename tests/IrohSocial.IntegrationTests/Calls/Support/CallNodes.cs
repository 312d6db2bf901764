using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Hardening.Tests.Faults;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Tests.Support;
using IrohSocial.Messaging.Storage;
using IrohSocial.Testing;
using IrohSocial.Transport;
using Microsoft.Extensions.Logging;

namespace IrohSocial.IntegrationTests.Calls.Support;

/// <summary>Two nodes on loopback sockets, ready to call each other.</summary>
internal sealed class CallNodes : IAsyncDisposable
{
    private CallNodes(IrohSocialNode alice, IrohSocialNode bob, TestLog log)
    {
        Log = log;
        Alice = alice;
        Bob = bob;
    }

    public IrohSocialNode Alice { get; }

    public IrohSocialNode Bob { get; }

    public static readonly CallOptions FastOptions = new()
    {
        RingTimeout = TimeSpan.FromSeconds(15), // long enough for a first connection on a loaded machine; missed-call tests shorten it
        ReconnectWindow = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    public TestLog Log { get; } = new();

    public static async Task<CallNodes> StartAsync(CallOptions? options = null)
    {
        var log = new TestLog();
        var alice = await StartNodeAsync(options ?? FastOptions, log.Factory("alice"));
        var bob = await StartNodeAsync(options ?? FastOptions, log.Factory("bob"));
        return new CallNodes(alice, bob, log);
    }

    /// <summary>A node on loopback; <paramref name="provider"/> defaults to this run's transport (<see cref="TestTransport"/>).</summary>
    public static Task<IrohSocialNode> StartNodeAsync(
        CallOptions options, ILoggerFactory? loggerFactory = null, IMessagingStore? store = null, SecretKey? secretKey = null, TransportProvider? provider = null,
        INetworkMonitor? network = null) =>
        IrohSocialNode.StartAsync(new IrohSocialNodeOptions
        {
            SecretKey = secretKey ?? SecretKey.Generate(),
            BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
            Provider = provider ?? TestTransport.Require(),
            Extensions = [new CallsExtension(options)],
            Store = store,
            LoggerFactory = loggerFactory,
            NetworkMonitor = network,
        });

    /// <summary>
    /// Alice and bob with a fault proxy in front of bob; the nodes' log is printed when the test ends. The proxy is a TCP
    /// proxy, so both nodes use TLS over TCP whatever this run's transport (these tests are about TCP behaviour: resets,
    /// head-of-line blocking, the second video connection).
    /// </summary>
    public static async Task WithProxiedPairAsync(
        Func<TestLog, IrohSocialNode, IrohSocialNode, FaultProxy, Task> test, CallOptions? aliceOptions = null, CallOptions? bobOptions = null,
        FaultPlan? plan = null, SecretKey? aliceKey = null)
    {
        var log = new TestLog();
        await using var alice = await StartNodeAsync(aliceOptions ?? FastOptions, log.Factory("alice"), secretKey: aliceKey, provider: TransportProvider.TcpTls);
        await using var bob = await StartNodeAsync(bobOptions ?? FastOptions, log.Factory("bob"), provider: TransportProvider.TcpTls);
        await using var proxy = FaultProxy.Start(bob.Endpoint(), plan);
        try
        {
            await test(log, alice, bob, proxy);
        }
        finally
        {
            log.Dump();
        }
    }

    /// <summary>Answers every incoming call on <paramref name="node"/> with the media <paramref name="media"/> gives.</summary>
    public static TaskCompletionSource<Call> AutoAnswer(IrohSocialNode node, Func<CallMedia> media)
    {
        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Calls.IncomingCall += async (_, e) =>
        {
            try
            {
                answered.TrySetResult(await node.Calls.AnswerAsync(e.CallId, media()));
            }
            catch (Exception ex)
            {
                answered.TrySetException(ex);
            }
        };
        return answered;
    }

    /// <summary>
    /// One second of lead-in silence (the first frames of a call meet cold code paths on both sides; a frame concealed
    /// there must not shift the speech) followed by <paramref name="speech"/> of speech-like signal, as samples and as
    /// a 48 kHz mono WAV positioned at its start.
    /// </summary>
    public static async Task<(short[] Samples, MemoryStream Wav)> SpeechWavAsync(TimeSpan speech, int? seed = null)
    {
        short[] samples = [.. new short[AudioFormat.SampleRate], .. (seed is { } s ? SpeechLikeSignal.Generate(speech, seed: s) : SpeechLikeSignal.Generate(speech))];
        var wav = new MemoryStream();
        await using (var writer = WavFileSink.Create(wav, leaveOpen: true))
        {
            foreach (short[] frame in samples.Chunk(AudioFormat.SamplesPerFrame))
            {
                await writer.WriteFrameAsync(frame, TestContext.Current.CancellationToken);
            }
        }

        wav.Position = 0;
        return (samples, wav);
    }

    /// <summary>Every sample of a WAV written into <paramref name="wav"/> (read from its start).</summary>
    public static async Task<short[]> ReadWavAsync(MemoryStream wav)
    {
        wav.Position = 0;
        await using var source = await WavFileSource.OpenAsync(wav, cancellationToken: TestContext.Current.CancellationToken);
        return await ReadAllAsync(source);
    }

    private static async Task<short[]> ReadAllAsync(IAudioSource source)
    {
        var all = new List<short>();
        var frame = new short[AudioFormat.SamplesPerFrame];
        while (await source.ReadFrameAsync(frame))
        {
            all.AddRange(frame);
        }

        return [.. all];
    }

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
        Log.Dump();
    }
}

/// <summary>Helpers on nodes.</summary>
internal static class NodeExtensions
{
    /// <summary>The node's loopback socket address.</summary>
    public static System.Net.IPEndPoint Endpoint(this IrohSocialNode node) => node.Addr.DirectAddresses[0];
}
