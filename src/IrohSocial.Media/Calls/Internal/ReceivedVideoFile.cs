using IrohSocial.Media.Video;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>The call's received-video IVF output: one file for the whole call, across toggles and reconnects.</summary>
internal sealed class ReceivedVideoFile
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IvfWriter? _ivf;
    private bool _closed;

    /// <summary>
    /// Appends a frame to <paramref name="stream"/> (nothing to write when null). Returns false once the call has ended or
    /// the file was closed: the caller must then drop the frame instead of decoding it, so the frames the call reports as
    /// decoded are always in the file.
    /// </summary>
    public async ValueTask<bool> WriteAsync(Stream? stream, VideoFrameHeader header, ReadOnlyMemory<byte> payload, Func<bool> ended, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed || ended())
            {
                return false;
            }

            if (stream is null)
            {
                return true;
            }

            _ivf ??= new IvfWriter(stream, header.Width, header.Height, leaveOpen: true);
            await _ivf.WriteFrameAsync(payload, (long)header.TimestampUs, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Finishes the file (its header gets the frame count); the stream stays open for the app.</summary>
    public async ValueTask CloseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _closed = true;
            if (_ivf is not null)
            {
                await _ivf.DisposeAsync().ConfigureAwait(false);
                _ivf = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
