using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Framing;
using IrohSocial.Media.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Audio;

public sealed class AudioReceiverFuzzTests
{
    [Fact]
    public void StartAsync_ArbitraryBytesAfterPreamble_EndsCleanlyOrWithTypedError()
    {
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        byte[] preamble = new MediaStreamPreamble(TestKeys.CallId, MediaStreamKind.Audio).ToArray();

        Gen.Byte.Array[0, 3000].Sample(junk =>
        {
            Exception? failure = RunReceiver(callee, [.. preamble, .. junk]).GetAwaiter().GetResult();
            Assert.True(failure is null or MediaException, $"unexpected {failure?.GetType().Name}: {failure?.Message}");
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task StartAsync_OversizedFrame_FaultsWithInvalidFrame()
    {
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        byte[] bytes = [.. new MediaStreamPreamble(TestKeys.CallId, MediaStreamKind.Audio).ToArray(), .. Convert.FromHexString("00000000" + "0000000000000000" + "ffff")];
        var ex = Assert.IsType<MediaException>(await RunReceiver(callee, bytes));
        Assert.Equal(MediaError.InvalidFrame, ex.Error);
    }

    [Fact]
    public async Task StartAsync_GarbagePreamble_FaultsWithInvalidPreamble()
    {
        (_, CallKeys callee) = TestKeys.ForCall(TestKeys.CallId);
        var ex = Assert.IsType<MediaException>(await RunReceiver(callee, new byte[40]));
        Assert.Equal(MediaError.InvalidPreamble, ex.Error);
    }

    private static async Task<Exception?> RunReceiver(CallKeys keys, byte[] streamBytes)
    {
        var time = new FakeTimeProvider();
        await using AudioReceiver receiver = await AudioReceiver.StartAsync(TestKeys.CallId, keys, new MemoryStream(streamBytes),
            new MemoryAudioSink(), timeProvider: time, cancellationToken: TestContext.Current.CancellationToken);
        for (int i = 0; i < 10_000 && !receiver.Completion.IsCompleted; i++)
        {
            time.Advance(AudioFormat.FrameDuration);
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        Assert.True(receiver.Completion.IsCompleted);
        return receiver.Completion.Exception?.InnerException;
    }
}
