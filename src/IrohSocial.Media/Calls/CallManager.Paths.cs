using IrohSocial.Transport;

namespace IrohSocial.Media.Calls;

/// <summary>The connections carrying a call right now, for showing its path to the user.</summary>
/// <param name="Call">The call connection (audio, reports, control; video too unless <paramref name="Video"/> is set).</param>
/// <param name="Video">The separate video connection (TCP transport), or null when video shares the call connection.</param>
public sealed record CallConnections(Connection Call, Connection? Video);

public sealed partial class CallManager
{
    /// <summary>
    /// The connections of a call's current media leg, or null when the call is unknown, still ringing, ended, or
    /// between legs (restoring a dropped connection).
    /// </summary>
    public CallConnections? GetConnections(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return Find(callId)?.Leg is { } leg ? new CallConnections(leg.Connection, leg.VideoConnection) : null;
    }

    /// <summary>
    /// Where a call leg dials: what the conversation knows now (the peer's own <c>peer.address</c> update merged with the
    /// address the call started with), so a leg after the conversation went direct takes the direct path (the relay
    /// still joins the race after its head start).
    /// </summary>
    private EndpointAddr DialAddress(EndpointAddr started) => _dm.GetKnownAddress(started.Id) ?? started;
}
