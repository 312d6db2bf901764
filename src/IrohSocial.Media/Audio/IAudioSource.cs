namespace IrohSocial.Media.Audio;

/// <summary>
/// Where outgoing call audio comes from (a microphone, a file, a generator): the sender pulls one 20 ms
/// frame of 48 kHz mono 16-bit PCM (<see cref="AudioFormat.SamplesPerFrame"/> samples) at a time.
/// </summary>
public interface IAudioSource : IAsyncDisposable
{
    /// <summary>Fills <paramref name="frame"/> with the next 20 ms of audio.</summary>
    /// <param name="frame">Exactly <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    /// <param name="cancellationToken">Cancels the wait for audio.</param>
    /// <returns>False when the source has ended (nothing was written); a final partial frame is padded with silence.</returns>
    ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default);
}
