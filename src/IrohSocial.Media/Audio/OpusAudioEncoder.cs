using Concentus;
using Concentus.Enums;
using IrohSocial.Media.Audio.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Audio;

/// <summary>
/// Encodes 20 ms frames of 48 kHz mono PCM to Opus packets (VBR, VoIP mode) through Concentus'
/// <c>OpusCodecFactory</c>. Not thread-safe: one encoder per outgoing stream.
/// </summary>
internal sealed class OpusAudioEncoder : IDisposable
{
    /// <summary>Largest packet Opus produces for one frame (bytes).</summary>
    public const int MaxPacketSize = 1275;

    private readonly IOpusEncoder _encoder;
    private readonly ILogger _logger;
    private readonly short[] _silence = new short[AudioFormat.SamplesPerFrame];
    private bool _disposed;

    private OpusAudioEncoder(IOpusEncoder encoder, OpusEncoderOptions options, ILogger logger)
    {
        _encoder = encoder;
        _logger = logger;
        _encoder.UseVBR = true;
        _encoder.UseConstrainedVBR = false;
        _encoder.SignalType = OpusSignal.OPUS_SIGNAL_VOICE;
        _encoder.Complexity = options.Complexity;
        _encoder.UseDTX = options.UseDtx;
        Bitrate = options.Bitrate;
        _encoder.UseInbandFEC = options.UseInbandFec;
        _encoder.PacketLossPercent = options.ExpectedPacketLossPercent;
        IsNative = OpusCodecs.IsNative(encoder);
    }

    /// <summary>Creates an encoder.</summary>
    /// <param name="options">Codec settings; <see cref="OpusEncoderOptions.Default"/> when null.</param>
    /// <param name="logger">Receives which implementation (native or managed) was chosen.</param>
    /// <exception cref="MediaException">Native libopus was required and is missing (<see cref="MediaError.CodecUnavailable"/>).</exception>
    public static OpusAudioEncoder Create(OpusEncoderOptions? options = null, ILogger? logger = null)
    {
        options ??= OpusEncoderOptions.Default;
        options.Validate();
        logger ??= NullLogger.Instance;
        return new OpusAudioEncoder(OpusCodecs.CreateEncoder(options.Implementation, logger), options, logger);
    }

    /// <summary>True when the encoder runs on native libopus, false for the managed port.</summary>
    public bool IsNative { get; }

    /// <summary>When true, every frame is encoded as silence (DTX keeps packets tiny) so the stream stays alive.</summary>
    public bool Muted { get; set; }

    /// <summary>Target VBR bitrate in bits per second (16-32 kbps).</summary>
    public int Bitrate
    {
        get => _encoder.Bitrate;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, OpusEncoderOptions.MinBitrate);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, OpusEncoderOptions.MaxBitrate);
            _encoder.Bitrate = value;
        }
    }

    /// <summary>Whether in-band FEC (a low-bitrate copy of the previous frame) is added to packets.</summary>
    public bool InbandFec
    {
        get => _encoder.UseInbandFEC;
        set => _encoder.UseInbandFEC = value;
    }

    /// <summary>Expected packet loss in percent (0-100); with <see cref="InbandFec"/> it sets how much redundancy is spent.</summary>
    public int ExpectedPacketLossPercent
    {
        get => _encoder.PacketLossPercent;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 100);
            _encoder.PacketLossPercent = value;
        }
    }

    /// <summary>Encoder complexity (0-10).</summary>
    public int Complexity => _encoder.Complexity;

    /// <summary>Whether discontinuous transmission is on.</summary>
    public bool UseDtx => _encoder.UseDTX;

    /// <summary>Encodes one 20 ms frame.</summary>
    /// <param name="pcm">Exactly <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    /// <param name="destination">Receives the packet; <see cref="MaxPacketSize"/> bytes always suffice.</param>
    /// <returns>The packet length in bytes (1-2 bytes for DTX silence).</returns>
    public int Encode(ReadOnlySpan<short> pcm, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pcm.Length != AudioFormat.SamplesPerFrame)
        {
            throw new ArgumentException($"A frame is exactly {AudioFormat.SamplesPerFrame} samples.", nameof(pcm));
        }

        ReadOnlySpan<short> input = Muted ? _silence : pcm;
        return _encoder.Encode(input, AudioFormat.SamplesPerFrame, destination, Math.Min(destination.Length, MaxPacketSize));
    }

    /// <summary>Encodes one 20 ms frame into a new array.</summary>
    /// <param name="pcm">Exactly <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    /// <returns>The Opus packet.</returns>
    public byte[] Encode(ReadOnlySpan<short> pcm)
    {
        Span<byte> buffer = stackalloc byte[MaxPacketSize];
        int length = Encode(pcm, buffer);
        return buffer[..length].ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        (_encoder as IDisposable)?.Dispose();
    }
}
