using System.Net;
using System.Net.Quic;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>Whether System.Net.Quic works here (libmsquic loaded) and the guarded entry point into the QUIC path.</summary>
internal static class QuicSupport
{
    public static bool IsSupported => QuicListener.IsSupported && QuicConnection.IsSupported;

    /// <exception cref="PlatformNotSupportedException">QUIC is not supported here.</exception>
    public static async ValueTask<IEndpointPath> BindAsync(EndpointContext ctx, IPEndPoint bind, CancellationToken cancellationToken)
    {
        if (!QuicListener.IsSupported || !QuicConnection.IsSupported)
        {
            throw new PlatformNotSupportedException("System.Net.Quic is not supported here (libmsquic is missing).");
        }

        return await QuicPath.BindAsync(ctx, bind, cancellationToken).ConfigureAwait(false);
    }
}
