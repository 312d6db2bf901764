using IrohSocial.Transport.Internal.Tcp;

namespace IrohSocial.Transport.Tests;

/// <summary>
/// The write-coalescing stream under the multiplexer holds pooled buffers only while it has bytes to send: an idle
/// TCP connection costs no write buffer (issue 23 item 4, memory per idle connection).
/// </summary>
public sealed class ActivityTrackingStreamTests
{
    [Fact]
    public async Task New_HoldsNoWriteBuffer()
    {
        await using var stream = new ActivityTrackingStream(new MemoryStream(), TimeProvider.System);

        Assert.Equal(0, stream.RentedBytes);
    }

    [Fact]
    public async Task Flush_OnceSent_GivesTheBuffersBack()
    {
        var inner = new MemoryStream(); // completes writes synchronously: the backlog is sent within FlushAsync
        await using var stream = new ActivityTrackingStream(inner, TimeProvider.System);

        await stream.WriteAsync(new byte[300], TestContext.Current.CancellationToken);
        Assert.True(stream.RentedBytes > 0);
        await stream.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, stream.RentedBytes);
        Assert.Equal(300, inner.Length);
    }

    [Fact]
    public async Task Writes_AcrossGrowthAndIdlePeriods_ArriveInOrder()
    {
        var inner = new MemoryStream();
        await using var stream = new ActivityTrackingStream(inner, TimeProvider.System);
        var expected = new List<byte>();
        var random = new Random(23);
        foreach (var size in new[] { 1, 100, 20_000, 70_000, 5, 16 * 1024, 16 * 1024 + 1 })
        {
            var chunk = new byte[size];
            random.NextBytes(chunk);
            await stream.WriteAsync(chunk.AsMemory(0, size / 2), TestContext.Current.CancellationToken);
            await stream.WriteAsync(chunk.AsMemory(size / 2), TestContext.Current.CancellationToken);
            expected.AddRange(chunk);
            if (size % 2 == 1)
            {
                await stream.FlushAsync(TestContext.Current.CancellationToken); // some chunks wait for the next flush
            }
        }

        await stream.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(expected.ToArray(), inner.ToArray());
        Assert.Equal(0, stream.RentedBytes);
    }
}
