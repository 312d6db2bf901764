using System.Buffers.Binary;
using Concentus;
using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Audio;

/// <summary>
/// Reads a 16-bit PCM WAV file at any sample rate and channel count and delivers it as 48 kHz mono
/// 20 ms frames: channels are averaged, the rate is converted with Concentus' (Speex) resampler.
/// </summary>
public sealed class WavFileSource : IAudioSource
{
    private const int ResamplerQuality = 5;
    private const int ChunkFrames = 4096;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _dataBytes;
    private readonly IResampler? _resampler;
    private readonly long _expectedOutput;
    private readonly byte[] _readBuffer;
    private readonly Queue<short> _pending = new();
    private long _dataRead;
    private long _delivered;
    private bool _inputEnded;

    private WavFileSource(Stream stream, bool leaveOpen, int sampleRate, int channels, long dataBytes)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        SourceSampleRate = sampleRate;
        SourceChannels = channels;
        _dataBytes = dataBytes;
        _readBuffer = new byte[ChunkFrames * channels * 2];
        if (sampleRate != AudioFormat.SampleRate)
        {
            _resampler = ResamplerFactory.CreateResampler(1, sampleRate, AudioFormat.SampleRate, ResamplerQuality);
            // Drop the filter's start-up delay so output sample n lines up with input sample n.
            _resampler.SkipZeroes();
        }

        _expectedOutput = dataBytes == long.MaxValue
            ? long.MaxValue
            : (long)Math.Round(dataBytes / (2.0 * channels) * AudioFormat.SampleRate / sampleRate);
    }

    /// <summary>Sample rate of the file.</summary>
    public int SourceSampleRate { get; }

    /// <summary>Channel count of the file.</summary>
    public int SourceChannels { get; }

    /// <summary>Duration of the file, or null when its header does not say (a streamed WAV).</summary>
    public TimeSpan? Duration => _dataBytes == long.MaxValue
        ? null
        : TimeSpan.FromSeconds(_dataBytes / (2.0 * SourceChannels) / SourceSampleRate);

    /// <summary>Opens a WAV file.</summary>
    /// <param name="path">File path.</param>
    /// <param name="cancellationToken">Cancels reading the header.</param>
    /// <returns>The source, positioned at the first sample.</returns>
    /// <exception cref="MediaException">Not a 16-bit PCM WAV file (<see cref="MediaError.UnsupportedAudioFile"/>).</exception>
    public static async ValueTask<WavFileSource> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        try
        {
            return await OpenAsync(stream, leaveOpen: false, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads WAV data from a stream.</summary>
    /// <param name="stream">A readable stream at the start of the RIFF header.</param>
    /// <param name="leaveOpen">Whether disposing the source leaves the stream open.</param>
    /// <param name="cancellationToken">Cancels reading the header.</param>
    /// <returns>The source, positioned at the first sample.</returns>
    /// <exception cref="MediaException">Not a 16-bit PCM WAV file (<see cref="MediaError.UnsupportedAudioFile"/>).</exception>
    public static async ValueTask<WavFileSource> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        (int rate, int channels, long dataBytes) = await WavHeader.ReadUntilDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return new WavFileSource(stream, leaveOpen, rate, channels, dataBytes);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReadFrameAsync(Memory<short> frame, CancellationToken cancellationToken = default)
    {
        FrameCheck.ThrowIfNotFrame(frame.Length, nameof(frame));
        while (_pending.Count < frame.Length && !_inputEnded)
        {
            await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_pending.Count == 0)
        {
            return false;
        }

        Span<short> pcm = frame.Span;
        int i = 0;
        for (; i < pcm.Length && _pending.Count > 0; i++)
        {
            pcm[i] = _pending.Dequeue();
        }

        pcm[i..].Clear();
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_leaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ReadChunkAsync(CancellationToken cancellationToken)
    {
        int frameBytes = SourceChannels * 2;
        int want = (int)Math.Min(_readBuffer.Length, _dataBytes - _dataRead);
        int got = want <= 0 ? 0 : await _stream.ReadAtLeastAsync(_readBuffer.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        got -= got % frameBytes;
        _dataRead += got;

        // Downmix: average the channels of each sample frame.
        var mono = new short[got / frameBytes];
        for (int f = 0; f < mono.Length; f++)
        {
            int sum = 0;
            for (int c = 0; c < SourceChannels; c++)
            {
                sum += BinaryPrimitives.ReadInt16LittleEndian(_readBuffer.AsSpan((f * SourceChannels + c) * 2));
            }

            mono[f] = (short)(sum / SourceChannels);
        }

        bool ended = got < want || got == 0 || _dataRead >= _dataBytes;
        if (_resampler is null)
        {
            Enqueue(mono);
        }
        else
        {
            Resample(mono);
            if (ended)
            {
                // Flush the filter's tail with silence; Enqueue trims to the exact expected length.
                Resample(new short[_resampler.InputLatency + 1]);
            }
        }

        _inputEnded = ended;
    }

    private void Resample(short[] input)
    {
        var output = new short[(int)((long)input.Length * AudioFormat.SampleRate / SourceSampleRate) + 64];
        int offset = 0;
        while (offset < input.Length)
        {
            int inLen = input.Length - offset;
            int outLen = output.Length;
            _resampler!.Process(0, input.AsSpan(offset), ref inLen, output, ref outLen);
            offset += inLen;
            Enqueue(output.AsSpan(0, outLen));
            if (inLen == 0 && outLen == 0)
            {
                break;
            }
        }
    }

    private void Enqueue(ReadOnlySpan<short> samples)
    {
        foreach (short s in samples)
        {
            if (_delivered >= _expectedOutput)
            {
                return;
            }

            _pending.Enqueue(s);
            _delivered++;
        }
    }
}
