using Concentus;
using IrohSocial.Media.Audio.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohSocial.Media.Audio;

/// <summary>
/// Decodes Opus packets to 20 ms frames of 48 kHz mono PCM, conceals lost frames (PLC) and recovers a lost
/// frame from the in-band FEC of the packet after it. Not thread-safe: one decoder per incoming stream.
/// </summary>
internal sealed class OpusAudioDecoder : IDisposable
{
    private readonly IOpusDecoder _decoder;
    private readonly ILogger _logger;
    private bool _disposed;

    private OpusAudioDecoder(IOpusDecoder decoder, ILogger logger)
    {
        _decoder = decoder;
        _logger = logger;
        IsNative = OpusCodecs.IsNative(decoder);
    }

    /// <summary>Creates a decoder.</summary>
    /// <param name="implementation">Native libopus, managed, or whichever is available.</param>
    /// <param name="logger">Receives which implementation was chosen and rejected packets.</param>
    /// <exception cref="MediaException">Native libopus was required and is missing (<see cref="MediaError.CodecUnavailable"/>).</exception>
    public static OpusAudioDecoder Create(OpusImplementation implementation = OpusImplementation.Auto, ILogger? logger = null)
    {
        if (!Enum.IsDefined(implementation))
        {
            throw new ArgumentOutOfRangeException(nameof(implementation));
        }

        logger ??= NullLogger.Instance;
        return new OpusAudioDecoder(OpusCodecs.CreateDecoder(implementation, logger), logger);
    }

    /// <summary>True when the decoder runs on native libopus, false for the managed port.</summary>
    public bool IsNative { get; }

    /// <summary>Decodes one packet into a 20 ms frame.</summary>
    /// <param name="packet">An Opus packet holding 20 ms of audio.</param>
    /// <param name="pcm">At least <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    /// <returns>False when the packet is not valid Opus (nothing useful was written); conceal instead.</returns>
    public bool TryDecode(ReadOnlySpan<byte> packet, Span<short> pcm)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckFrame(pcm);
        if (packet.IsEmpty)
        {
            return false;
        }

        if (packet.Length == 1)
        {
            // A lone TOC byte is a DTX frame: libopus plays concealment for it, while Concentus' managed
            // decoder throws, so do what libopus does for both.
            _decoder.Decode(ReadOnlySpan<byte>.Empty, pcm, AudioFormat.SamplesPerFrame, false);
            return true;
        }

        try
        {
            int samples = _decoder.Decode(packet, pcm, AudioFormat.SamplesPerFrame, false);
            return samples == AudioFormat.SamplesPerFrame;
        }
        catch (OpusException ex)
        {
            Log.OpusPacketRejected(_logger, packet.Length, ex);
            return false;
        }
        catch (ArgumentException ex)
        {
            // Concentus reports some malformed packets as argument errors.
            Log.OpusPacketRejected(_logger, packet.Length, ex);
            return false;
        }
    }

    /// <summary>Fills a frame with packet-loss concealment (Opus PLC) for a packet that never arrived.</summary>
    /// <param name="pcm">At least <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    public void Conceal(Span<short> pcm)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckFrame(pcm);
        _decoder.Decode(ReadOnlySpan<byte>.Empty, pcm, AudioFormat.SamplesPerFrame, false);
    }

    /// <summary>
    /// Rebuilds a lost frame from the in-band FEC data carried by the packet after it. When that packet
    /// carries no FEC the decoder falls back to concealment. Decode <paramref name="nextPacket"/> normally afterwards.
    /// </summary>
    /// <param name="nextPacket">The packet that follows the lost one.</param>
    /// <param name="pcm">At least <see cref="AudioFormat.SamplesPerFrame"/> samples.</param>
    public void DecodeFec(ReadOnlySpan<byte> nextPacket, Span<short> pcm)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckFrame(pcm);
        try
        {
            _decoder.Decode(nextPacket, pcm, AudioFormat.SamplesPerFrame, true);
        }
        catch (Exception ex) when (ex is OpusException or ArgumentException)
        {
            Log.OpusPacketRejected(_logger, nextPacket.Length, ex);
            Conceal(pcm);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        (_decoder as IDisposable)?.Dispose();
    }

    private static void CheckFrame(Span<short> pcm)
    {
        if (pcm.Length < AudioFormat.SamplesPerFrame)
        {
            throw new ArgumentException($"A frame needs {AudioFormat.SamplesPerFrame} samples.", nameof(pcm));
        }
    }
}
