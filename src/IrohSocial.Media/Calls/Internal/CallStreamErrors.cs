namespace IrohSocial.Media.Calls.Internal;

/// <summary>Application error codes the call service uses on <c>iroh-social/call/1</c> streams and connections.</summary>
internal static class CallStreamErrors
{
    /// <summary>Normal end of the call.</summary>
    public const long CallEnded = 0;

    /// <summary>A stream for an unknown or unanswered call, from the wrong peer, or of an unexpected kind.</summary>
    public const long Refused = 0x101;

    /// <summary>A connection that carried no stream for an accepted call.</summary>
    public const long UnknownCall = 0x102;
}
