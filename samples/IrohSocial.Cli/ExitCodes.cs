namespace IrohSocial.Cli;

/// <summary>The tool's process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Done (for <c>send</c>: delivered).</summary>
    public const int Success = 0;

    /// <summary>An error; the reason is printed on stderr (with <c>--json</c>, as a JSON line on stdout).</summary>
    public const int Error = 1;

    /// <summary>The message is safe in the outbox but not delivered yet (the peer is offline or slow).</summary>
    public const int Queued = 2;

    /// <summary>The peer was unreachable and the message was left in its mailbox; it turns delivered when the peer fetches it.</summary>
    public const int Deposited = 3;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT, as shells report it); what was entered is kept.</summary>
    public const int Interrupted = 130;
}
