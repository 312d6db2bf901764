namespace IrohSocial.Media.Audio;

/// <summary>Where received call audio goes (a speaker, a file, memory): one 20 ms frame of 48 kHz mono PCM per call.</summary>
public interface IAudioSink : IAsyncDisposable
{
    /// <summary>Plays or stores one frame.</summary>
    /// <param name="frame">Exactly <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask WriteFrameAsync(ReadOnlyMemory<short> frame, CancellationToken cancellationToken = default);
}
