using System.Net.Quic;
using System.Runtime.Versioning;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>A QUIC stream; System.Net.Quic already has the semantics the transport promises, so this only maps errors.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal sealed class QuicStreamCore(QuicStream stream) : StreamCore
{
    public override long Id => stream.Id;

    public override bool IsBidirectional => stream.Type == QuicStreamType.Bidirectional;

    public override bool CanRead => stream.CanRead;

    public override bool CanWrite => stream.CanWrite;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw QuicErrors.Map(ex);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(buffer, completeWrites, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw QuicErrors.Map(ex);
        }
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw QuicErrors.Map(ex);
        }
    }

    public override void CompleteWrites() => stream.CompleteWrites();

    public override void Abort(long errorCode)
    {
        CloseCodes.ValidateStreamCode(errorCode, nameof(errorCode));
        var direction = (stream.CanRead, stream.CanWrite) switch
        {
            (true, true) => QuicAbortDirection.Both,
            (true, false) => QuicAbortDirection.Read,
            _ => QuicAbortDirection.Write,
        };
        stream.Abort(direction, errorCode);
    }

    public override ValueTask DisposeAsync() => stream.DisposeAsync();
}
