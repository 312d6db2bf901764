namespace IrohSocial.Transport.Tests;

public sealed class RouterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Answers each stream with the ALPN it was reached on; finishes when asked to shut down or when the peer closes.</summary>
    private sealed class EchoAlpnHandler : IProtocolHandler
    {
        private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int FinishedGracefully;

        public bool ShutdownCalled => _shutdown.Task.IsCompleted;

        public async Task HandleConnectionAsync(Connection connection, CancellationToken cancellationToken)
        {
            var serve = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await using var stream = await connection.AcceptStreamAsync(cancellationToken);
                        await TestEndpoints.ReadToEndAsync(stream);
                        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(connection.Alpn), completeWrites: true, cancellationToken);
                    }
                }
                catch (TransportException)
                {
                }
            }, cancellationToken);
            await Task.WhenAny(_shutdown.Task, connection.Closed).WaitAsync(cancellationToken);
            Interlocked.Increment(ref FinishedGracefully);
        }

        public ValueTask ShutdownAsync(CancellationToken cancellationToken)
        {
            _shutdown.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }

    private static async Task<string> AskAsync(Connection connection)
    {
        await using var stream = await connection.OpenBidirectionalStreamAsync(Ct);
        await stream.WriteAsync("?"u8.ToArray(), completeWrites: true, Ct);
        return System.Text.Encoding.UTF8.GetString(await TestEndpoints.ReadToEndAsync(stream));
    }

    [Fact]
    public async Task Router_DispatchesByAlpn_AndShutsDownGracefully()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var test = new EchoAlpnHandler();
        var dm = new EchoAlpnHandler();
        var router = new Router(server).Accept(TestEndpoints.TestAlpn, test).Accept(Alpns.DirectMessages, dm);
        router.Start();

        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var toTest = await client.ConnectAsync(server.Addr, TestEndpoints.TestAlpn, Ct);
        await using var toDm = await client.ConnectAsync(server.Addr, Alpns.DirectMessages, Ct);
        Assert.Equal(TestEndpoints.TestAlpn, await AskAsync(toTest));
        Assert.Equal(Alpns.DirectMessages, await AskAsync(toDm));

        await router.ShutdownAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(test.ShutdownCalled);
        Assert.True(dm.ShutdownCalled);
        Assert.Equal(1, test.FinishedGracefully);
        Assert.Equal(1, dm.FinishedGracefully);

        // Handler connections are closed once their handler finished.
        await toTest.Closed.WaitAsync(Ct);
        await toDm.Closed.WaitAsync(Ct);
    }

    [Fact]
    public async Task Router_WithoutHandlerForAlpn_ClosesWithAlpnNotSupported()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var router = new Router(server).Accept(TestEndpoints.TestAlpn, new EchoAlpnHandler());
        router.Start();

        await using var client = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        await using var connection = await client.ConnectAsync(server.Addr, Alpns.DirectMessages, Ct);
        var error = await Assert.ThrowsAsync<TransportException>(async () => await connection.AcceptStreamAsync(Ct));
        Assert.Equal(TransportError.AlpnNotSupported, error.Error);
    }

    [Fact]
    public async Task Router_RejectsAlpnTheEndpointDoesNotAccept()
    {
        await using var server = await TestEndpoints.BindAsync(TransportProvider.TcpTls);
        var router = new Router(server);
        Assert.Throws<ArgumentException>(() => router.Accept(Alpns.Calls, new EchoAlpnHandler()));
        router.Accept(TestEndpoints.TestAlpn, new EchoAlpnHandler());
        Assert.Throws<ArgumentException>(() => router.Accept(TestEndpoints.TestAlpn, new EchoAlpnHandler()));
        router.Start();
        Assert.Throws<InvalidOperationException>(() => router.Start());
        await router.DisposeAsync();
    }
}
