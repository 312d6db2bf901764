using System.Net.Quic;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>Whether System.Net.Quic works here (libmsquic loaded) and the guarded entry point into the QUIC provider.</summary>
internal static class QuicSupport
{
    public static bool IsSupported => QuicListener.IsSupported && QuicConnection.IsSupported;

    public static async ValueTask<ProviderEndpoint> BindAsync(EndpointContext ctx, CancellationToken cancellationToken)
    {
        if (!QuicListener.IsSupported || !QuicConnection.IsSupported)
        {
            throw new PlatformNotSupportedException("System.Net.Quic is not supported here (libmsquic is missing).");
        }

        return await QuicEndpoint.BindAsync(ctx, cancellationToken).ConfigureAwait(false);
    }
}
