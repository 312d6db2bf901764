using IrohSocial.Media.Video;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>The call's received-video IVF output: one file for the whole call, across toggles and reconnects.</summary>
internal sealed class ReceivedVideoFile
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IvfWriter? _ivf;

    /// <summary>Appends a frame to <paramref name="stream"/> (nothing when null, or once <paramref name="ended"/> says so).</summary>
    public async ValueTask WriteAsync(Stream? stream, VideoFrameHeader header, ReadOnlyMemory<byte> payload, Func<bool> ended, CancellationToken cancellationToken)
    {
        if (stream is null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (ended())
            {
                return;
            }

            _ivf ??= new IvfWriter(stream, header.Width, header.Height, leaveOpen: true);
            await _ivf.WriteFrameAsync(payload, (long)header.TimestampUs, cancellationToken).ConfigureAwait(false);
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
