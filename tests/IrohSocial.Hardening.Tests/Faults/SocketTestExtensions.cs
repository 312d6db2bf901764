using System.Net;
using System.Net.Sockets;

namespace IrohSocial.Hardening.Tests.Faults;

internal static class SocketTestExtensions
{
    public static async Task<Socket> ConnectLoopbackAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="count"/> bytes or the end of the stream; returns what arrived.</summary>
    public static async Task<byte[]> ReadUpToAsync(this Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return buffer[..total];
    }

    /// <summary>Reads until the peer ends or resets the connection; returns the bytes and how it ended.</summary>
    public static async Task<(byte[] Data, bool WasReset)> ReadToEndAsync(this Socket socket, CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return (output.ToArray(), false);
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (output.ToArray(), true);
        }
    }

    /// <summary>True when nothing arrives within <paramref name="quiet"/> (a negative check: a slow machine cannot make it fail wrongly).</summary>
    public static async Task<bool> StaysSilentAsync(this Socket socket, TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        try
        {
            var read = await socket.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
