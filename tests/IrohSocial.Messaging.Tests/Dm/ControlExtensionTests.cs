using System.Text.Json.Serialization;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

public sealed record PingBody([property: JsonPropertyName("n")] int N);

[JsonSerializable(typeof(PingBody))]
public sealed partial class PingJsonContext : JsonSerializerContext;

/// <summary>The typed extension point for encrypted controls: queued and immediate delivery, acknowledgements, unknown kinds.</summary>
public sealed class ControlExtensionTests
{
    private static readonly ControlKind<PingBody> Ping = new("test.ping", PingJsonContext.Default.PingBody);

    [Fact]
    public async Task SendControl_QueuedAndImmediate_HandlerRunsOnceEachAndAcksAreObserved()
    {
        await using var a = await TestNode.CreateAsync("a");
        await using var b = await TestNode.CreateAsync("b");
        var received = new List<(Crypto.EndpointId Peer, int N)>();
        b.C.RegisterControl(Ping, (context, body, _) =>
        {
            lock (received)
            {
                received.Add((context.Peer, body.N));
            }

            return ValueTask.CompletedTask;
        });
        var acked = new List<string>();
        a.C.OnControlAcknowledged((context, id, _) =>
        {
            context.AfterCommit(() => { lock (acked) { acked.Add(id); } });
            return ValueTask.CompletedTask;
        });
        a.C.AddPeer(b.Address);

        var immediate = await a.C.SendControlAsync(b.Id, Ping, new PingBody(1), ControlDelivery.Immediate);
        var queued = await a.C.SendControlAsync(b.Id, Ping, new PingBody(2));
        await Eventually.WaitAsync(() => Task.FromResult(acked.Contains(queued)), "the queued control was acknowledged");
        Assert.Equal(0, (await a.C.FlushOutboxAsync()).Failed);
        lock (received)
        {
            Assert.Equal([(a.Id, 1), (a.Id, 2)], received);
        }

        Assert.Contains(immediate, acked);
        Assert.Throws<InvalidOperationException>(() => b.C.RegisterControl(Ping, (_, _, _) => ValueTask.CompletedTask));
        Assert.Throws<ArgumentException>(() => new ControlKind<PingBody>("nodot", PingJsonContext.Default.PingBody));
    }

    [Fact]
    public async Task SendControl_KindWithoutHandler_IsAcknowledgedAndDropped()
    {
        await using var a = await TestNode.CreateAsync("a");
        await using var b = await TestNode.CreateAsync("b");
        a.C.AddPeer(b.Address);
        await a.C.SendControlAsync(b.Id, Ping, new PingBody(7), ControlDelivery.Immediate);
        Assert.True(b.Logs.Has(4009, "test.ping"));
        // The session is fine afterwards.
        var id = await a.C.SendMessageAsync(b.Id, "still talking");
        await Eventually.WaitAsync(async () => await b.Store.GetMessageAsync(id) is not null, "the next message arrives");
    }

    [Fact]
    public async Task SendControl_ImmediatePeerDown_FailsAtOnceAndIsNotQueued()
    {
        await using var a = await TestNode.CreateAsync("a");
        await using var b = await TestNode.CreateAsync("b", start: false);
        a.C.AddPeer(b.Address);

        var ex = await Assert.ThrowsAsync<MessagingException>(() => a.C.SendControlAsync(b.Id, Ping, new PingBody(1), ControlDelivery.Immediate));

        Assert.Equal(MessagingError.PeerUnreachable, ex.Error);
        Assert.Empty(await a.Store.GetOutboxAsync(b.Id));
    }
}
