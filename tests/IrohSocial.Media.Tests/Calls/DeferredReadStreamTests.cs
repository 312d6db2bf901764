using IrohSocial.Media.Calls.Internal;

namespace IrohSocial.Media.Tests.Calls;

public sealed class DeferredReadStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadBeforeAttach_Waits_ThenReturnsThePrefixAndTheStream()
    {
        await using var stream = new DeferredReadStream();
        var buffer = new byte[8];
        Task<int> pending = stream.ReadAsync(buffer, 0, 2, Ct);
        Assert.False(pending.IsCompleted);

        Assert.True(stream.TryAttach(new MemoryStream([4, 5, 6]), [1, 2, 3]));
        Assert.False(stream.TryAttach(new MemoryStream([9]), []));
        Assert.Equal(2, await pending);
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest, Ct);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, buffer[..2].Concat(rest.ToArray()).ToArray());
    }

    [Fact]
    public async Task Dispose_FailsAPendingRead()
    {
        var stream = new DeferredReadStream();
        Task<int> pending = stream.ReadAsync(new byte[4], 0, 4, Ct);
        await stream.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
    }
}
