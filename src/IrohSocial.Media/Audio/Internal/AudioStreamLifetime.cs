using IrohSocial.Media.Framing;

namespace IrohSocial.Media.Audio.Internal;

/// <summary>
/// Start and stop steps that <see cref="AudioSender"/> and <see cref="AudioReceiver"/> share: both own a media
/// stream plus an optional report stream, write a preamble before their loops start, and on dispose wait for
/// their loops before closing the streams.
/// </summary>
internal static class AudioStreamLifetime
{
    /// <summary>
    /// Writes <paramref name="preamble"/> to <paramref name="stream"/>; if that fails, disposes <paramref name="owner"/>
    /// (which owns the streams by now) and rethrows.
    /// </summary>
    public static async ValueTask WritePreambleOrDisposeAsync(
        IAsyncDisposable owner, MediaStreamPreamble preamble, Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            await preamble.WriteAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await owner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until every loop has ended, without rethrowing: loop faults surface through <c>Completion</c>, not dispose.</summary>
    public static Task WhenAllEndedAsync(params Task[] loops) =>
        Task.WhenAll(loops).ContinueWith(static _ => { }, TaskScheduler.Default);

    /// <summary>Closes the owned media stream, then the report stream if there is one.</summary>
    public static async ValueTask CloseStreamsAsync(Stream media, Stream? reports)
    {
        await media.DisposeAsync().ConfigureAwait(false);
        if (reports is not null)
        {
            await reports.DisposeAsync().ConfigureAwait(false);
        }
    }
}
