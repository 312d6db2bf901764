namespace IrohSocial.Demo;

/// <summary>What the demo was asked to do (the command line, parsed).</summary>
public sealed record DemoOptions
{
    /// <summary>Folder for both stores; null = a temp folder removed at the end.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where received.wav, received.ivf and summary.json go.</summary>
    public string OutputDirectory { get; init; } = "demo-out";

    /// <summary>Text of Alice's first message.</summary>
    public string Message { get; init; } = "Hello Bob! This message is end-to-end encrypted.";

    /// <summary>WAV file Alice speaks into the call; null = a generated signal.</summary>
    public string? AudioInput { get; init; }

    /// <summary>Without a WAV file: a synthetic talker (<c>--speech</c>) instead of a 440 Hz tone, for realistic latency figures.</summary>
    public bool Speech { get; init; }

    /// <summary>Y4M file Alice shows in the call; null = a generated test pattern.</summary>
    public string? VideoInput { get; init; }

    /// <summary>Call length.</summary>
    public TimeSpan CallDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Audio-only call.</summary>
    public bool NoVideo { get; init; }

    /// <summary>Network stacks of both peers (<c>--transport quic|tcp|auto</c>).</summary>
    public IrohSocial.Transport.TransportProvider Transport { get; init; } = IrohSocial.Transport.TransportProvider.Auto;

    /// <summary>How long any single step may take before the demo gives up.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
