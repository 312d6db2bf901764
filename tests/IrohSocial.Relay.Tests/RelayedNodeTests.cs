using System.Collections.Concurrent;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Media;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;
using static IrohSocial.Relay.Tests.RelayTestKit;

namespace IrohSocial.Relay.Tests;

/// <summary>
/// Two full nodes whose only way to each other is a loopback relay: everything above Transport (DMs, acks, outbox,
/// controls, calls) works unchanged over relayed connections.
/// </summary>
public sealed class RelayedNodeTests
{
    private static readonly CallOptions FastCalls = new()
    {
        RingTimeout = TimeSpan.FromSeconds(15),
        ReconnectWindow = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    // Peers that keep their direct addresses to themselves stay relayed, as two peers behind NATs would.
    private static Task<IrohSocialNode> StartNodeAsync(RelayAddress relay, SecretKey? key = null, bool shareDirect = false) => IrohSocialNode.StartAsync(new IrohSocialNodeOptions
    {
        SecretKey = key ?? SecretKey.Generate(),
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TransportProvider.TcpTls,
        RelayUrls = [relay],
        ShareDirectAddresses = shareDirect,
        Extensions = [new CallsExtension(FastCalls)],
    }, Ct);

    /// <summary>What a peer behind a NAT shares: its id and relay, no direct address that answers.</summary>
    private static EndpointAddr RelayedOnly(IrohSocialNode node) => EndpointAddr.ParseTicket((node.Addr with { DirectAddresses = [] }).ToTicket());

    [Fact]
    public async Task Dms_WithAcksTypingReadAndDelete_TravelThroughTheRelay()
    {
        await using var relay = await StartRelayAsync();
        await using var alice = await StartNodeAsync(relay.Address);
        await using var bob = await StartNodeAsync(relay.Address);
        await Task.WhenAll(alice.WaitForRelayAsync(Ct), bob.WaitForRelayAsync(Ct));
        var aliceEvents = Record(alice.Messages);
        var bobEvents = Record(bob.Messages);

        var id = await alice.Messages.SendMessageAsync(RelayedOnly(bob), "hello through the relay", cancellationToken: Ct);
        await WaitUntilAsync(() => bobEvents.OfType<MessageReceivedEvent>().Any(e => e.Message.Id == id && e.Message.Content == "hello through the relay"), "bob receives");
        await WaitUntilAsync(() => aliceEvents.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == id), "alice hears the ack");
        Assert.True(relay.ActiveSessions >= 1);

        // Bob knows alice only by the connection she opened through the relay.
        var reply = await bob.Messages.SendMessageAsync(alice.Id, "and back", cancellationToken: Ct);
        await WaitUntilAsync(() => aliceEvents.OfType<MessageReceivedEvent>().Any(e => e.Message.Id == reply), "alice receives the reply");
        await bob.Messages.SendTypingAsync(alice.Id, Ct);
        await WaitUntilAsync(() => aliceEvents.OfType<TypingEvent>().Any(), "alice sees typing");
        await bob.Messages.MarkReadAsync(alice.Id, Ct);
        await WaitUntilAsync(() => aliceEvents.OfType<MessageReadEvent>().Any(e => e.MessageIds.Contains(id)), "alice sees read");
        Assert.True(await alice.Messages.DeleteMessageAsync(id, Ct));
        await WaitUntilAsync(() => bobEvents.OfType<MessageDeletedEvent>().Any(e => e.MessageId == id), "bob sees the delete");
    }

    [Fact]
    public async Task AudioCall_HoldsThroughTheRelay()
    {
        await using var relay = await StartRelayAsync();
        await using var alice = await StartNodeAsync(relay.Address);
        await using var bob = await StartNodeAsync(relay.Address);
        await Task.WhenAll(alice.WaitForRelayAsync(Ct), bob.WaitForRelayAsync(Ct));
        var sink = new MemoryAudioSink();
        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Calls.IncomingCall += async (_, e) =>
        {
            try
            {
                answered.TrySetResult(await bob.Calls.AnswerAsync(e.CallId, new CallMedia { AudioSink = sink }));
            }
            catch (Exception ex)
            {
                answered.TrySetException(ex);
            }
        };

        await using var tone = new ToneSource(440, 0.3);
        var outgoing = await alice.Calls.StartCallAsync(RelayedOnly(bob), new CallMedia { AudioSource = tone }, Ct);
        var incoming = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await WaitUntilAsync(() => sink.FrameCount >= 100, "two seconds of audio arrive through the relay");
        Assert.Equal(CallState.Active, outgoing.State);
        Assert.Equal(CallState.Active, incoming.State);
        Assert.True(relay.ActiveSessions >= 2, $"{relay.ActiveSessions} relayed sessions (DM + call)");

        await alice.Calls.EndAsync(outgoing.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task AudioVideoCall_HoldsThroughTheRelay_BothWays()
    {
        IrohSocial.Tests.Shared.NativeRequirements.Libvpx();
        await using var relay = await StartRelayAsync();
        await using var alice = await StartNodeAsync(relay.Address);
        await using var bob = await StartNodeAsync(relay.Address);
        await Task.WhenAll(alice.WaitForRelayAsync(Ct), bob.WaitForRelayAsync(Ct));
        var bobHears = new MemoryAudioSink();
        var aliceHears = new MemoryAudioSink();
        var bobSees = new CountingVideoSink();
        var aliceSees = new CountingVideoSink();
        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var bobTone = new ToneSource(660, 0.3);
        bob.Calls.IncomingCall += async (_, e) =>
        {
            try
            {
                answered.TrySetResult(await bob.Calls.AnswerAsync(e.CallId, new CallMedia
                {
                    AudioSource = bobTone, AudioSink = bobHears, Video = true, VideoSink = bobSees,
                    VideoSource = new TestPatternSource(new VideoFormat(320, 240, 15)),
                }));
            }
            catch (Exception ex)
            {
                answered.TrySetException(ex);
            }
        };

        await using var aliceTone = new ToneSource(440, 0.3);
        var outgoing = await alice.Calls.StartCallAsync(RelayedOnly(bob), new CallMedia
        {
            AudioSource = aliceTone, AudioSink = aliceHears, Video = true, VideoSink = aliceSees,
            VideoSource = new TestPatternSource(new VideoFormat(320, 240, 15)),
        }, Ct);
        var incoming = await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await WaitUntilAsync(() => bobHears.FrameCount >= 50 && aliceHears.FrameCount >= 50, "audio arrives both ways through the relay");
        await WaitUntilAsync(() => bobSees.Frames >= 15 && aliceSees.Frames >= 15, "video frames decode on both sides");
        Assert.Equal(ConnectionPath.Relay, alice.Calls.GetConnections(outgoing.Id)!.Call.Path);
        Assert.All(new[] { alice.Calls.GetConnections(outgoing.Id)!, bob.Calls.GetConnections(incoming.Id)! },
            connections => Assert.True(connections.Video is null || connections.Video.Path == ConnectionPath.Relay));
        await WaitUntilAsync(() => outgoing.LatestStats?.Path == ConnectionPath.Relay, "the call's stats show the relayed path");

        await alice.Calls.EndAsync(outgoing.Id, Ct);
        Assert.Equal(CallEndReason.Completed, await incoming.Completion.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task DirectPath_ReplacesTheRelayedOne_ForNewStreamsAndTheNextCall()
    {
        await using var relay = await StartRelayAsync();
        await using var alice = await StartNodeAsync(relay.Address, shareDirect: true);
        await using var bob = await StartNodeAsync(relay.Address, shareDirect: true);
        await Task.WhenAll(alice.WaitForRelayAsync(Ct), bob.WaitForRelayAsync(Ct));
        var aliceEvents = Record(alice.Messages);
        var bobEvents = Record(bob.Messages);

        // Alice knows only bob's relay, so the conversation starts relayed.
        var first = await alice.Messages.SendMessageAsync(RelayedOnly(bob), "first, through the relay", cancellationToken: Ct);
        await WaitUntilAsync(() => aliceEvents.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == first), "the first message is delivered");

        // Both tell their addresses over the encrypted session; a direct dial proves the id and takes over, and the
        // relayed connection is closed once idle.
        await WaitUntilAsync(() => alice.Messages.GetConnection(bob.Id)?.Path == ConnectionPath.Tcp, "alice's conversation goes direct");
        await WaitUntilAsync(() => bob.Messages.GetConnection(alice.Id)?.Path == ConnectionPath.Tcp, "bob's conversation goes direct");
        await WaitUntilAsync(() => relay.ActiveSessions == 0, "the relayed connection is closed when idle");
        Assert.Contains(bob.Addr.DirectAddresses[0], alice.Messages.GetKnownAddress(bob.Id)!.DirectAddresses);
        Assert.Contains(alice.Addr.DirectAddresses[0], bob.Messages.GetKnownAddress(alice.Id)!.DirectAddresses);

        // New streams use the direct path, both ways; nothing is lost or duplicated by the move.
        var second = await alice.Messages.SendMessageAsync(bob.Id, "second, direct", cancellationToken: Ct);
        var reply = await bob.Messages.SendMessageAsync(alice.Id, "reply, direct", cancellationToken: Ct);
        await WaitUntilAsync(() => aliceEvents.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == second), "the second message is delivered");
        await WaitUntilAsync(() => bobEvents.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == reply), "the reply is delivered");
        Assert.Equal(1, bobEvents.OfType<MessageReceivedEvent>().Count(e => e.Message.Id == first));
        Assert.Equal(1, bobEvents.OfType<MessageReceivedEvent>().Count(e => e.Message.Id == second));
        Assert.Equal(0, relay.ActiveSessions);

        // The next call dials what the conversation learned: its media takes the direct path too.
        var sink = new MemoryAudioSink();
        var answered = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Calls.IncomingCall += async (_, e) => answered.TrySetResult(await bob.Calls.AnswerAsync(e.CallId, new CallMedia { AudioSink = sink }));
        await using var tone = new ToneSource(440, 0.3);
        var outgoing = await alice.Calls.StartCallAsync(RelayedOnly(bob), new CallMedia { AudioSource = tone }, Ct);
        await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await WaitUntilAsync(() => sink.FrameCount >= 50, "audio arrives");
        Assert.Equal(ConnectionPath.Tcp, alice.Calls.GetConnections(outgoing.Id)!.Call.Path);
        await WaitUntilAsync(() => outgoing.LatestStats?.Path == ConnectionPath.Tcp, "the call's stats show the direct path");
        Assert.Equal(0, relay.ActiveSessions);
        await alice.Calls.EndAsync(outgoing.Id, Ct);
    }

    [Fact]
    public async Task RelayRestart_NodesRegisterAgain_AndTheOutboxFlushes()
    {
        using var relayKey = SecretKey.Generate();
        var bind = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
        var relay = await StartRelayAsync(identity: relayKey, bind: bind);
        try
        {
            await using var alice = await StartNodeAsync(relay.Address);
            await using var bob = await StartNodeAsync(relay.Address);
            await Task.WhenAll(alice.WaitForRelayAsync(Ct), bob.WaitForRelayAsync(Ct));
            var aliceEvents = Record(alice.Messages);
            var bobEvents = Record(bob.Messages);
            var first = await alice.Messages.SendMessageAsync(RelayedOnly(bob), "before the restart", cancellationToken: Ct);
            await WaitUntilAsync(() => aliceEvents.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == first), "first message delivered");

            // The relay goes away (telling its clients to come back); a message sent now waits in alice's outbox.
            await relay.DisposeAsync();
            var queued = await alice.Messages.SendMessageAsync(bob.Id, "while the relay was down", cancellationToken: Ct);
            await Task.Delay(300, Ct);
            Assert.DoesNotContain(bobEvents.OfType<MessageReceivedEvent>(), e => e.Message.Id == queued);

            relay = await StartRelayAsync(identity: relayKey, bind: bind);
            await Task.WhenAll(alice.WaitForRelayAsync(Ct), bob.WaitForRelayAsync(Ct)).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            await WaitUntilAsync(() => bobEvents.OfType<MessageReceivedEvent>().Any(e => e.Message.Id == queued), "the outbox delivers after the restart");
            await WaitUntilAsync(() => aliceEvents.OfType<MessageDeliveredEvent>().Any(e => e.MessageId == queued), "and hears the ack");
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }

    private static ConcurrentQueue<DmEvent> Record(DmClient client)
    {
        var events = new ConcurrentQueue<DmEvent>();
        client.MessageReceived += (_, e) => events.Enqueue(e);
        client.MessageDelivered += (_, e) => events.Enqueue(e);
        client.MessageRead += (_, e) => events.Enqueue(e);
        client.Typing += (_, e) => events.Enqueue(e);
        client.MessageDeleted += (_, e) => events.Enqueue(e);
        return events;
    }

    private sealed class CountingVideoSink : IVideoSink
    {
        private int _frames;

        public int Frames => Volatile.Read(ref _frames);

        public ValueTask WriteFrameAsync(I420Frame frame, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _frames);
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
