using CsCheck;
using IrohSocial.Media.Framing;

namespace IrohSocial.Media.Tests.Framing;

public sealed class MediaStreamPreambleTests
{
    private static readonly Guid CallId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    [Theory]
    [InlineData(MediaStreamKind.Audio, "0101" + "00112233445566778899aabbccddeeff")]
    [InlineData(MediaStreamKind.Video, "0102" + "00112233445566778899aabbccddeeff")]
    [InlineData(MediaStreamKind.AudioReport, "0103" + "00112233445566778899aabbccddeeff")]
    [InlineData(MediaStreamKind.Control, "0104" + "00112233445566778899aabbccddeeff")]
    [InlineData(MediaStreamKind.VideoLink, "0105" + "00112233445566778899aabbccddeeff")]
    public void ToArray_KnownAnswer_IsVersionKindCallId(MediaStreamKind kind, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(new MediaStreamPreamble(CallId, kind).ToArray()));
        Assert.True(MediaStreamPreamble.TryRead(Convert.FromHexString(hex), out MediaStreamPreamble parsed));
        Assert.Equal(new MediaStreamPreamble(CallId, kind), parsed);
    }

    [Theory]
    [InlineData("0201" + "00112233445566778899aabbccddeeff")] // unknown version
    [InlineData("0100" + "00112233445566778899aabbccddeeff")] // unknown kind
    [InlineData("0109" + "00112233445566778899aabbccddeeff")] // unknown kind
    [InlineData("0101" + "00112233445566778899aabbccddee")] // short
    public void TryRead_InvalidBytes_Fails(string hex)
    {
        Assert.False(MediaStreamPreamble.TryRead(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void TryRead_ArbitraryBytes_NeverThrowsAndRoundTripsWhenValid()
    {
        Gen.Byte.Array[0, 40].Sample(bytes =>
        {
            if (MediaStreamPreamble.TryRead(bytes, out MediaStreamPreamble preamble))
            {
                Assert.Equal(bytes[..MediaStreamPreamble.Size], preamble.ToArray());
            }
        });
    }

    [Fact]
    public async Task ReadAsync_TruncatedStream_ThrowsTypedError()
    {
        using var stream = new MemoryStream(Convert.FromHexString("010100112233"));
        var ex = await Assert.ThrowsAsync<MediaException>(() => MediaStreamPreamble.ReadAsync(stream, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(MediaError.TruncatedStream, ex.Error);
    }

    [Fact]
    public async Task ReadAsync_GarbagePreamble_ThrowsTypedError()
    {
        using var stream = new MemoryStream(new byte[MediaStreamPreamble.Size]);
        var ex = await Assert.ThrowsAsync<MediaException>(() => MediaStreamPreamble.ReadAsync(stream, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(MediaError.InvalidPreamble, ex.Error);
    }

    [Fact]
    public async Task WriteAsyncThenReadAsync_RoundTrips()
    {
        using var stream = new MemoryStream();
        await new MediaStreamPreamble(CallId, MediaStreamKind.Audio).WriteAsync(stream, TestContext.Current.CancellationToken);
        stream.Position = 0;
        Assert.Equal(new MediaStreamPreamble(CallId, MediaStreamKind.Audio), await MediaStreamPreamble.ReadAsync(stream, TestContext.Current.CancellationToken));
    }
}
