namespace IrohSocial.Media.Audio;

/// <summary>Settings for <see cref="OpusAudioEncoder"/>. Defaults follow the call design: VBR 24 kbps, complexity 5, DTX on.</summary>
internal sealed record OpusEncoderOptions
{
    /// <summary>Lowest target bitrate a call uses (bits per second).</summary>
    public const int MinBitrate = 16_000;

    /// <summary>Highest target bitrate a call uses (bits per second).</summary>
    public const int MaxBitrate = 32_000;

    /// <summary>The defaults.</summary>
    public static OpusEncoderOptions Default { get; } = new();

    /// <summary>Target VBR bitrate in bits per second, between <see cref="MinBitrate"/> and <see cref="MaxBitrate"/>.</summary>
    public int Bitrate { get; init; } = 24_000;

    /// <summary>Encoder complexity, 0-10.</summary>
    public int Complexity { get; init; } = 5;

    /// <summary>Discontinuous transmission: near-empty packets while the input is silent or muted.</summary>
    public bool UseDtx { get; init; } = true;

    /// <summary>In-band forward error correction (LBRR); usually switched on when the peer reports loss.</summary>
    public bool UseInbandFec { get; init; }

    /// <summary>Expected packet loss in percent (0-100); steers how much FEC the encoder spends.</summary>
    public int ExpectedPacketLossPercent { get; init; }

    /// <summary>Native libopus, managed, or whichever is available.</summary>
    public OpusImplementation Implementation { get; init; } = OpusImplementation.Auto;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Bitrate, MinBitrate, nameof(Bitrate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Bitrate, MaxBitrate, nameof(Bitrate));
        ArgumentOutOfRangeException.ThrowIfNegative(Complexity, nameof(Complexity));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Complexity, 10, nameof(Complexity));
        ArgumentOutOfRangeException.ThrowIfNegative(ExpectedPacketLossPercent, nameof(ExpectedPacketLossPercent));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ExpectedPacketLossPercent, 100, nameof(ExpectedPacketLossPercent));
        if (!Enum.IsDefined(Implementation))
        {
            throw new ArgumentOutOfRangeException(nameof(Implementation));
        }
    }
}
