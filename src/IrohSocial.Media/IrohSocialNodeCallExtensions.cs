using IrohSocial.Media.Calls;

namespace IrohSocial;

/// <summary>Calls on the <see cref="IrohSocialNode"/> facade: <c>options.WithCalls()</c> adds them, <c>node.Calls</c> uses them.</summary>
public static class IrohSocialNodeCallExtensions
{
    /// <summary>The options with voice and video calls added (<see cref="CallsExtension"/>).</summary>
    public static IrohSocialNodeOptions WithCalls(this IrohSocialNodeOptions options, CallOptions? calls = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Extensions = [.. options.Extensions, new CallsExtension(calls)] };
    }

    /// <summary>Calls on a node.</summary>
    extension(IrohSocialNode node)
    {
        /// <summary>The node's voice and video calls; throws <see cref="InvalidOperationException"/> when the node was started without <c>WithCalls()</c>.</summary>
        public CallManager Calls => node.GetExtension<CallManager>();
    }
}
