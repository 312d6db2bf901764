using IrohSocial.Transport;

namespace IrohSocial.Media.Calls;

/// <summary>The connections carrying a call right now, for showing its path to the user.</summary>
/// <param name="Call">The call connection (audio, reports, control; video too unless <paramref name="Video"/> is set).</param>
/// <param name="Video">The separate video connection (TCP transport), or null when video shares the call connection.</param>
public sealed record CallConnections(Connection Call, Connection? Video);
