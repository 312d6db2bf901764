using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace IrohSocial.Web.Server;

/// <summary>
/// Pushes the node's events to every open page as JSON text messages on <c>/ws/events</c>. Each page has its own
/// bounded queue: a page that stops reading loses events (it reloads state on reconnect) instead of holding memory.
/// </summary>
public sealed class EventStream
{
    private readonly ConcurrentDictionary<Channel<byte[]>, byte> _pages = new();

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public void Publish(string type, object payload)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = type, ["data"] = payload }, Json);
        foreach (var page in _pages.Keys)
        {
            page.Writer.TryWrite(json);
        }
    }

    internal async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _pages.TryAdd(queue, 0);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = DrainAsync(socket, stop);
        try
        {
            await foreach (var message in queue.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, true, stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // page closed or server stopping
        }
        finally
        {
            _pages.TryRemove(queue, out _);
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
    }

    // The page sends nothing on this socket; reading notices when it closes.
    private static async Task DrainAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[256];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stop.Token).ConfigureAwait(false);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }

        await stop.CancelAsync().ConfigureAwait(false);
    }
}
