using System.Buffers.Binary;
using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>
/// Writes received audio to a 16-bit PCM WAV file (48 kHz mono). The RIFF and data sizes are filled in on
/// dispose when the stream can seek; otherwise they stay at the streaming marker 0xFFFFFFFF. Writes and dispose may come
/// from different threads (a call's playout thread writes until the call has ended; the app disposes): they take turns,
/// so the sizes are filled in after the last frame is written, never while a write is moving the stream's position.
/// </summary>
public sealed class WavFileSink : IAudioSink
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _headerPosition;
    private readonly byte[] _buffer = new byte[AudioFormat.SamplesPerFrame * 2];
    private readonly SemaphoreSlim _turn = new(1, 1);
    private uint _dataBytes;
    private bool _disposed;

    private WavFileSink(Stream stream, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _headerPosition = stream.CanSeek ? stream.Position : 0;
        Span<byte> header = stackalloc byte[WavHeader.CanonicalSize];
        WavHeader.WriteCanonical(header, AudioFormat.SampleRate, AudioFormat.Channels, uint.MaxValue);
        stream.Write(header);
    }

    /// <summary>Creates (or overwrites) a WAV file.</summary>
    /// <param name="path">File path.</param>
    /// <returns>The sink.</returns>
    public static WavFileSink Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 4096, useAsync: true);
        try
        {
            return new WavFileSink(stream, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Writes WAV data to a stream.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="leaveOpen">Whether disposing the sink leaves the stream open.</param>
    /// <returns>The sink.</returns>
    public static WavFileSink Create(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new WavFileSink(stream, leaveOpen);
    }

    /// <summary>Duration written so far.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds(_dataBytes / 2.0 / AudioFormat.SampleRate);

    /// <inheritdoc />
    public async ValueTask WriteFrameAsync(ReadOnlyMemory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_dataBytes > uint.MaxValue - 36 - (uint)_buffer.Length)
            {
                throw new InvalidOperationException("A WAV file holds at most 4 GiB (about 12 hours of 48 kHz mono).");
            }

            ReadOnlySpan<short> pcm = frame.Span;
            for (int i = 0; i < pcm.Length; i++)
            {
                BinaryPrimitives.WriteInt16LittleEndian(_buffer.AsSpan(i * 2), pcm[i]);
            }

            await _stream.WriteAsync(_buffer, cancellationToken).ConfigureAwait(false);
            _dataBytes += (uint)_buffer.Length;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_stream.CanSeek)
            {
                long end = _stream.Position;
                var header = new byte[WavHeader.CanonicalSize];
                WavHeader.WriteCanonical(header, AudioFormat.SampleRate, AudioFormat.Channels, _dataBytes);
                _stream.Position = _headerPosition;
                await _stream.WriteAsync(header).ConfigureAwait(false);
                _stream.Position = end;
            }

            await _stream.FlushAsync().ConfigureAwait(false);
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _turn.Release();
        }
    }
}
