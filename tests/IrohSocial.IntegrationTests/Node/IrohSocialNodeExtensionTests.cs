using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Media.Calls;
using IrohSocial.Testing;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Node;

/// <summary>The facade without codecs: calls are an extension a node runs only when the app adds it.</summary>
public sealed class IrohSocialNodeExtensionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IrohSocialNodeOptions Options() => new()
    {
        SecretKey = SecretKey.Generate(),
        BindAddress = new IPEndPoint(IPAddress.Loopback, 0),
        Provider = TestTransport.Require(),
    };

    [Fact]
    public async Task StartAsync_WithoutExtensions_ServesOnlyDirectMessagesAndHasNoCalls()
    {
        await using var node = await IrohSocialNode.StartAsync(Options(), Ct);

        Assert.Equal([Alpns.DirectMessages], node.Messages.Endpoint.Alpns);
        Assert.Null(node.TryGetExtension<CallManager>());
        var error = Assert.Throws<InvalidOperationException>(() => node.Calls);
        Assert.Contains(nameof(CallManager), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithCalls_AdvertisesTheCallAlpnAndRunsOneCallManager()
    {
        await using var node = await IrohSocialNode.StartAsync(Options().WithCalls(), Ct);

        Assert.Equal([Alpns.DirectMessages, Alpns.Calls], node.Messages.Endpoint.Alpns);
        Assert.Same(node.Calls, node.GetExtension<CallManager>());
        Assert.Null(node.Calls.CurrentCall);
    }

    [Fact]
    public async Task StartAsync_WithoutCalls_PeerCannotOpenACallConnection()
    {
        await using var chat = await IrohSocialNode.StartAsync(Options(), Ct);
        await using var caller = await IrohSocialNode.StartAsync(Options().WithCalls(), Ct);

        // The chat-only node never offered iroh-social/call/1, so the TLS handshake finds no common protocol.
        await Assert.ThrowsAnyAsync<Exception>(async () => await caller.Messages.Endpoint.ConnectAsync(chat.Addr, Alpns.Calls, Ct));
    }

    [Fact]
    public async Task DisposeAsync_StopsExtensionsLastStartedFirst()
    {
        var journal = new List<string>();
        var node = await IrohSocialNode.StartAsync(
            Options() with { Extensions = [new RecordingExtension("first", journal), new RecordingExtension("second", journal)] }, Ct);

        Assert.Equal("first", node.GetExtension<RecordingExtension.Running>().Name);
        await node.DisposeAsync();

        Assert.Equal(["start first", "start second", "stop second", "stop first"], journal);
    }

    [Fact]
    public async Task StartAsync_ExtensionFails_StopsTheOnesStartedAndRethrows()
    {
        var journal = new List<string>();
        var options = Options() with { Extensions = [new RecordingExtension("first", journal), new RecordingExtension("broken", journal, fail: true)] };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await IrohSocialNode.StartAsync(options, Ct));

        Assert.Equal("broken failed", error.Message);
        Assert.Equal(["start first", "start broken", "stop first"], journal);
    }

    private sealed class RecordingExtension(string name, List<string> journal, bool fail = false) : INodeExtension
    {
        public IReadOnlyList<string> Alpns { get; } = [];

        public ValueTask<IAsyncDisposable> StartAsync(NodeExtensionContext context, CancellationToken cancellationToken)
        {
            journal.Add("start " + name);
            Assert.NotNull(context.Messages);
            Assert.Equal(context.Endpoint.Id, context.Messages.Endpoint.Id);
            return fail ? throw new InvalidOperationException(name + " failed") : ValueTask.FromResult<IAsyncDisposable>(new Running(name, journal));
        }

        public sealed class Running(string name, List<string> journal) : IAsyncDisposable
        {
            public string Name => name;

            public ValueTask DisposeAsync()
            {
                journal.Add("stop " + name);
                return ValueTask.CompletedTask;
            }
        }
    }
}
