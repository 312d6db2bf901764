using System.Net.Quic;
using System.Runtime.Versioning;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>
/// A QUIC stream. System.Net.Quic has the semantics the transport promises on the wire; this maps its errors and
/// keeps the two local facts it does not report the way the other paths do: writes already completed (a later write
/// is misuse: <see cref="InvalidOperationException"/>) and a local abort (later calls fail with
/// <see cref="TransportError.StreamAborted"/> and the code, not as if the connection had closed).
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal sealed class QuicStreamCore(QuicStream stream) : StreamCore
{
    private int _writesCompleted;
    private long? _localAbortCode;

    public override long Id => stream.Id;

    public override bool IsBidirectional => stream.Type == QuicStreamType.Bidirectional;

    public override bool CanRead => stream.CanRead;

    public override bool CanWrite => stream.CanWrite;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ThrowIfAbortedLocally();
        try
        {
            return await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Map(ex);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken)
    {
        ThrowIfAbortedLocally();
        if (!stream.CanWrite)
        {
            throw new InvalidOperationException("This unidirectional stream was opened by the peer and cannot be written.");
        }

        if (Volatile.Read(ref _writesCompleted) == 1)
        {
            throw new InvalidOperationException("Writes on this stream were already completed.");
        }

        if (completeWrites)
        {
            Volatile.Write(ref _writesCompleted, 1);
        }

        try
        {
            await stream.WriteAsync(buffer, completeWrites, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Map(ex);
        }
    }

    public override async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfAbortedLocally();
        try
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Map(ex);
        }
    }

    public override void CompleteWrites()
    {
        if (Interlocked.Exchange(ref _writesCompleted, 1) == 0 && stream.CanWrite)
        {
            stream.CompleteWrites();
        }
    }

    public override void Abort(long errorCode)
    {
        CloseCodes.ValidateStreamCode(errorCode, nameof(errorCode));
        _localAbortCode ??= errorCode;
        var direction = (stream.CanRead, stream.CanWrite) switch
        {
            (true, true) => QuicAbortDirection.Both,
            (true, false) => QuicAbortDirection.Read,
            _ => QuicAbortDirection.Write,
        };
        stream.Abort(direction, errorCode);
    }

    /// <summary>
    /// Completes writes (FIN) and stops reading at once, like a TCP stream, without waiting for the peer. System.Net.Quic's
    /// DisposeAsync returns only when msquic reports the stream's shutdown complete, i.e. when the peer acknowledged
    /// everything up to the FIN; on a path that died without a word that is the connection's idle timeout, tens of
    /// seconds, and a call's leg restore or a DM link's failure waited for it. msquic keeps sending the FIN while the
    /// connection lives and the handle is released when the shutdown completes or the connection closes.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        var disposal = stream.DisposeAsync(); // the FIN and the read abort happen before its first await
        if (!disposal.IsCompleted)
        {
            _ = ObserveAsync(disposal);
        }
        else
        {
            disposal.GetAwaiter().GetResult();
        }

        return ValueTask.CompletedTask;
    }

    private static async Task ObserveAsync(ValueTask disposal)
    {
        try
        {
            await disposal.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or ObjectDisposedException or OperationCanceledException)
        {
            // the connection went away first: nothing is left to release
        }
    }

    private void ThrowIfAbortedLocally()
    {
        if (_localAbortCode is { } code)
        {
            throw new TransportException(TransportError.StreamAborted, $"The stream was aborted by this endpoint with code {code}.", code);
        }
    }

    // msquic reports "operation aborted" for a stream this side aborted meanwhile: that is the stream, not the connection.
    private TransportException Map(QuicException ex) =>
        ex.QuicError == QuicError.OperationAborted && _localAbortCode is { } code
            ? new TransportException(TransportError.StreamAborted, $"The stream was aborted by this endpoint with code {code}.", code, ex)
            : QuicErrors.Map(ex);
}
