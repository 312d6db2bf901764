using System.Buffers.Binary;

namespace IrohSocial.Media.Audio.Internal;

/// <summary>
/// RIFF/WAVE reading and writing for 16-bit PCM. Hand-written: the format is a few fixed fields and no
/// pinned package covers it. Accepts WAVE_FORMAT_PCM and WAVE_FORMAT_EXTENSIBLE with the PCM sub-format.
/// </summary>
internal static class WavHeader
{
    public const int CanonicalSize = 44;
    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    public static void WriteCanonical(Span<byte> destination, int sampleRate, int channels, uint dataBytes)
    {
        "RIFF"u8.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], dataBytes == uint.MaxValue ? uint.MaxValue : 36 + dataBytes);
        "WAVE"u8.CopyTo(destination[8..]);
        "fmt "u8.CopyTo(destination[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[20..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], (uint)(sampleRate * channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[32..], (ushort)(channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[34..], 16);
        "data"u8.CopyTo(destination[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[40..], dataBytes);
    }

    /// <summary>Writes a whole WAV file of interleaved samples (used by tests and tools).</summary>
    public static void Write(Stream stream, ReadOnlySpan<short> interleaved, int sampleRate, int channels)
    {
        Span<byte> header = stackalloc byte[CanonicalSize];
        WriteCanonical(header, sampleRate, channels, (uint)(interleaved.Length * 2));
        stream.Write(header);
        var data = new byte[interleaved.Length * 2];
        for (int i = 0; i < interleaved.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 2), interleaved[i]);
        }

        stream.Write(data);
    }

    /// <summary>Reads chunks up to the start of the data chunk; returns the format and the data length in bytes.</summary>
    public static async ValueTask<(int SampleRate, int Channels, long DataBytes)> ReadUntilDataAsync(Stream stream, CancellationToken cancellationToken)
    {
        var riff = new byte[12];
        await ReadExactlyAsync(stream, riff, cancellationToken).ConfigureAwait(false);
        if (!riff.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !riff.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw Unsupported("The file is not RIFF/WAVE.");
        }

        int sampleRate = 0, channels = 0;
        var chunkHeader = new byte[8];
        while (true)
        {
            await ReadExactlyAsync(stream, chunkHeader, cancellationToken).ConfigureAwait(false);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader.AsSpan(4));
            if (chunkHeader.AsSpan(0, 4).SequenceEqual("fmt "u8))
            {
                if (size is < 16 or > 1024)
                {
                    throw Unsupported("The fmt chunk has an invalid size.");
                }

                var fmt = new byte[size + (size & 1)];
                await ReadExactlyAsync(stream, fmt, cancellationToken).ConfigureAwait(false);
                ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
                sampleRate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4)), int.MaxValue);
                ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));
                bool pcm = tag == FormatPcm
                    || (tag == FormatExtensible && size >= 40 && BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(24)) == FormatPcm);
                if (!pcm || bits != 16)
                {
                    throw Unsupported($"Only 16-bit PCM is supported (format tag {tag}, {bits} bits).");
                }

                if (channels is < 1 or > 32 || sampleRate is < 1000 or > 384_000)
                {
                    throw Unsupported($"Unsupported layout: {channels} channels at {sampleRate} Hz.");
                }
            }
            else if (chunkHeader.AsSpan(0, 4).SequenceEqual("data"u8))
            {
                if (channels == 0)
                {
                    throw Unsupported("The data chunk comes before the fmt chunk.");
                }

                // Streaming writers leave the size at 0 or 0xFFFFFFFF: read to the end then.
                long dataBytes = size is 0 or uint.MaxValue ? long.MaxValue : size;
                return (sampleRate, channels, dataBytes);
            }
            else
            {
                long skip = size + (size & 1);
                var scratch = new byte[Math.Min(skip, 4096)];
                while (skip > 0)
                {
                    int n = (int)Math.Min(skip, scratch.Length);
                    await ReadExactlyAsync(stream, scratch.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    skip -= n;
                }
            }
        }
    }

    private static async ValueTask ReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new MediaException(MediaError.UnsupportedAudioFile, "The WAV file ends before its data chunk.", ex);
        }
    }

    private static MediaException Unsupported(string message) => new(MediaError.UnsupportedAudioFile, message);
}
