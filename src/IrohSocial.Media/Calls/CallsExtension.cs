using IrohSocial.Transport;

namespace IrohSocial.Media.Calls;

/// <summary>
/// Adds voice and video calls to an <see cref="IrohSocialNode"/>: serves <c>iroh-social/call/1</c> and runs a
/// <see cref="CallManager"/> on the node's messaging client. Usually added with
/// <see cref="IrohSocialNodeCallExtensions.WithCalls"/>.
/// </summary>
public sealed class CallsExtension : INodeExtension
{
    private readonly CallOptions _options;

    /// <summary>Calls with the given timing (ring timeout, reconnect window, stats interval); defaults when null.</summary>
    public CallsExtension(CallOptions? options = null)
    {
        _options = options ?? CallOptions.Default;
        _options.Validate();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Alpns { get; } = [Transport.Alpns.Calls];

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> StartAsync(NodeExtensionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var calls = new CallManager(context.Messages, context.Endpoint, _options, context.TimeProvider, context.LoggerFactory, context.MeterFactory);
        calls.Register(context.Router);
        return ValueTask.FromResult<IAsyncDisposable>(calls);
    }
}
