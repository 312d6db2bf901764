using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Video;

namespace IrohSocial.Media.Tests.Calls;

public sealed class ReceivedVideoFileTests
{
    private static readonly VideoFrameHeader Header = new(1, 0, true, 64, 48, 3);

    [Fact]
    public async Task AfterTheCallEnded_FramesAreRefused_SoTheDecodedCountNeverPassesTheFile()
    {
        var file = new ReceivedVideoFile();
        var output = new MemoryStream();
        var ended = false;

        Assert.True(await file.WriteAsync(output, Header, new byte[3], () => ended, TestContext.Current.CancellationToken));
        ended = true;
        Assert.False(await file.WriteAsync(output, Header, new byte[3], () => ended, TestContext.Current.CancellationToken));
        await file.CloseAsync();

        Assert.Equal(1u, BitConverter.ToUInt32(output.ToArray(), 24));
    }

    [Fact]
    public async Task AfterClose_AFrameNeitherStartsASecondFileNorCounts()
    {
        var file = new ReceivedVideoFile();
        var output = new MemoryStream();
        Assert.True(await file.WriteAsync(output, Header, new byte[3], () => false, TestContext.Current.CancellationToken));
        await file.CloseAsync();
        var closedLength = output.Length;

        Assert.False(await file.WriteAsync(output, Header, new byte[3], () => false, TestContext.Current.CancellationToken));

        Assert.Equal(closedLength, output.Length);
    }

    [Fact]
    public async Task WithoutAnOutput_FramesAreStillAcceptedForDecoding()
    {
        var file = new ReceivedVideoFile();

        Assert.True(await file.WriteAsync(null, Header, new byte[3], () => false, TestContext.Current.CancellationToken));
    }
}
