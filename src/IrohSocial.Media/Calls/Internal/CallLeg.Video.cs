using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

internal sealed partial class CallLeg
{
    public long VideoFramesSent => 0;

    public long VideoFramesDecoded => 0;

    public Task SetVideoEnabledAsync(bool enabled, CancellationToken cancellationToken) => Task.CompletedTask;

    private void StartVideo()
    {
    }

    private async Task ReceiveVideoAsync(TransportStream stream, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        await RefuseAsync(stream, "video").ConfigureAwait(false);
    }

    private static Task StopVideoAsync() => Task.CompletedTask;

    private static CallVideoStats? VideoStats() => null;

    private static void OnControl(ControlMessage type, byte value)
    {
        _ = type;
        _ = value;
    }
}
