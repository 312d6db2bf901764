namespace IrohSocial.Cli;

/// <summary>The tool's process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Done (for <c>send</c>: delivered).</summary>
    public const int Success = 0;

    /// <summary>An error; the reason is printed on stderr.</summary>
    public const int Error = 1;

    /// <summary>The message is safe in the outbox but not delivered yet (the peer is offline or slow).</summary>
    public const int Queued = 2;
}
