namespace IrohSocial;

/// <summary>
/// A feature a node runs beside direct messages, such as calls (<c>IrohSocial.Media</c> adds them with
/// <c>options.WithCalls()</c>). It lets the facade stay free of what a chat-only app does not reference.
/// </summary>
public interface INodeExtension
{
    /// <summary>The ALPN protocols the extension serves; the node's endpoint advertises them.</summary>
    IReadOnlyList<string> Alpns { get; }

    /// <summary>
    /// Starts the feature on the node's endpoint and messaging client and registers its protocol handlers on
    /// <see cref="NodeExtensionContext.Router"/> (the node starts the router after every extension started).
    /// The returned object is what <see cref="IrohSocialNode.GetExtension{T}"/> finds; the node disposes it first
    /// when it stops.
    /// </summary>
    ValueTask<IAsyncDisposable> StartAsync(NodeExtensionContext context, CancellationToken cancellationToken);
}
