using System.Collections.Concurrent;
using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Media;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
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

    private static Task<IrohSocialNode> StartNodeAsync(RelayAddress relay, SecretKey? key = null) => IrohSocialNode.StartAsync(new IrohSocialNodeOptions
    {
        SecretKey = key ?? SecretKey.Generate(),
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TransportProvider.TcpTls,
        RelayUrls = [relay],
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
}
