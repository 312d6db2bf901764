using System.Threading.Channels;
using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>
/// A source an application feeds itself (for example from its own capture callback): push 48 kHz mono
/// samples in chunks of any size; the sender pulls them back as 20 ms frames. Pushing waits when about a
/// second of audio is queued, so a stalled call cannot grow memory without bound.
/// </summary>
public sealed class PushAudioSource : IAudioSource
{
    private readonly Channel<short[]> _chunks;
    private short[] _current = [];
    private int _offset;

    /// <summary>Creates a push source.</summary>
    /// <param name="capacityChunks">How many pushed chunks may wait before <see cref="PushAsync"/> waits.</param>
    public PushAudioSource(int capacityChunks = 50)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityChunks, 1);
        _chunks = Channel.CreateBounded<short[]>(new BoundedChannelOptions(capacityChunks)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues samples for sending.</summary>
    /// <param name="samples">48 kHz mono PCM, any length (copied).</param>
    /// <param name="cancellationToken">Cancels the wait for queue space.</param>
    /// <exception cref="InvalidOperationException">The source was completed.</exception>
    public async ValueTask PushAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
    {
        if (samples.IsEmpty)
        {
            return;
        }

        try
        {
            await _chunks.Writer.WriteAsync(samples.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("The push source has been completed.", ex);
        }
    }

    /// <summary>Marks the end of the audio: the reader drains what is queued, then reports the end.</summary>
    public void Complete() => _chunks.Writer.TryComplete();

    /// <inheritdoc />
    public async ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        int filled = 0;
        while (filled < frame.Length)
        {
            if (_offset == _current.Length)
            {
                if (!await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)
                    || !_chunks.Reader.TryRead(out short[]? next))
                {
                    break;
                }

                _current = next;
                _offset = 0;
            }

            int count = Math.Min(frame.Length - filled, _current.Length - _offset);
            _current.AsSpan(_offset, count).CopyTo(frame.Span[filled..]);
            _offset += count;
            filled += count;
        }

        if (filled == 0)
        {
            return false;
        }

        frame.Span[filled..].Clear();
        return true;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Complete();
        return ValueTask.CompletedTask;
    }
}
