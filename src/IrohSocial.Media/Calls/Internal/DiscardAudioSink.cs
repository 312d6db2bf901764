using IrohSocial.Media.Audio;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>Drops played audio: for calls whose app gave no speaker.</summary>
internal sealed class DiscardAudioSink : IAudioSink
{
    public ValueTask WriteFrameAsync(ReadOnlyMemory<short> frame, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
