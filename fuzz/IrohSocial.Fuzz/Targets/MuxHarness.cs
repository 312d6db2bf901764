using IrohSocial.Transport;
using IrohSocial.Transport.Internal.Tcp;
using Nerdbank.Streams;

namespace IrohSocial.Fuzz.Targets;

/// <summary>
/// Plays the receiving side of a TCP-provider connection after TLS: a MultiplexingStream v3 with the
/// transport's options, channel 0 parsed as control messages, every other offered channel accepted and read
/// as length-prefixed frames. Errors the peer's bytes cause are expected (the connection would be closed);
/// what must not happen is an exception escaping to the process, or the stream not finishing after EOF.
/// </summary>
internal static class MuxHarness
{
    private const int Window = 64 * 1024;

    public static async Task RunAsync(Stream transport, CancellationToken cancellationToken)
    {
        var options = new MultiplexingStream.Options
        {
            ProtocolMajorVersion = 3,
            DefaultChannelReceivingWindowSize = Window,
            StartSuspended = true,
            FaultOpenChannelsOnStreamDisposal = true,
        };
        options.MaxChannelReceivingWindowSize = Window;
        options.SeededChannels.Add(new MultiplexingStream.ChannelOptions());

        MultiplexingStream mux;
        try
        {
            mux = await MultiplexingStream.CreateAsync(transport, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MultiplexingProtocolException or EndOfStreamException or IOException or OperationCanceledException)
        {
            return;
        }

        await using (mux.ConfigureAwait(false))
        {
            var readers = new List<Task>();
            mux.ChannelOffered += (_, offer) =>
            {
                lock (readers)
                {
                    readers.Add(DrainFramesAsync(mux, offer.QualifiedId.Id, cancellationToken));
                }
            };
            mux.StartListening();
            try
            {
                readers.Add(DrainControlAsync(mux.AcceptChannel(0), cancellationToken));
            }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
            {
                // The peer's bytes already ended or faulted the stream. The transport's accept path catches these
                // two as a failed handshake too (TlsOverStream.AcceptAsync); see docs/hardening.md for the
                // dialing side.
            }
            try
            {
                await mux.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new FuzzInvariantException("the multiplexing stream did not finish after the input ended");
            }
            catch (Exception e) when (e is not FuzzInvariantException)
            {
                // The peer's bytes faulted the connection: that is the expected outcome of bad input.
            }

            Task[] all;
            lock (readers)
            {
                all = [.. readers];
            }

            await Task.WhenAll(all).ConfigureAwait(false);
        }
    }

    private static async Task DrainFramesAsync(MultiplexingStream mux, ulong id, CancellationToken cancellationToken)
    {
        try
        {
            var channel = mux.AcceptChannel(id);
            await using var stream = channel.AsStream();
            var reader = new FrameReader(stream, 16 * 1024);
            while (await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false) is not null)
            {
            }
        }
        catch (Exception e) when (e is not FuzzInvariantException)
        {
            // Channel faulted, refused or cut mid-frame: the transport would abort the stream.
        }
    }

    private static async Task DrainControlAsync(MultiplexingStream.Channel control, CancellationToken cancellationToken)
    {
        try
        {
            var input = control.Input;
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    var rest = buffer;
                    if (!ControlMessage.TryParse(ref rest, out _))
                    {
                        break;
                    }

                    buffer = rest;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is not FuzzInvariantException)
        {
            // A bad control message closes the connection.
        }
    }
}
