using Microsoft.Extensions.Logging;

namespace IrohSocial.Media.Audio.Internal;

/// <summary>Audio log messages; event ids 5000-5099 are reserved for IrohSocial.Media audio.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Opus {Role} uses the {Implementation} implementation ({Version})")]
    public static partial void OpusImplementationChosen(ILogger logger, string role, string implementation, string version);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Opus decoder rejected a packet of {Length} bytes; concealing instead")]
    public static partial void OpusPacketRejected(ILogger logger, int length, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Audio receiver refused a stream: {Reason}")]
    public static partial void StreamRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Opus in-band FEC {State} (reported loss {LossPercent}%)")]
    public static partial void FecChanged(ILogger logger, string state, int lossPercent);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Audio {Role} stopped after a stream error")]
    public static partial void PipelineFailed(ILogger logger, string role, Exception exception);
}
