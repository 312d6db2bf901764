using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial chat TICKET</c>: each input line is a message; the peer's messages, receipts and typing appear as
/// they come. At end of input it waits (up to <c>--timeout</c>) for outstanding deliveries: exit 0 when all were
/// delivered, 2 when some stay queued.
/// </summary>
internal static class ChatCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var ticket = new Argument<string>("TICKET") { Description = "The peer's ticket." };
        var bind = CommonOptions.Bind("0.0.0.0:0", "Address to accept the peer's connections on.");
        var timeout = CommonOptions.Timeout(10);
        var json = CommonOptions.Json();
        var command = new Command("chat", "Interactive chat with one peer (Ctrl+D or end of input to quit).") { ticket, bind, timeout, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var peer = PeerArgument.ParseTicket(parse.GetValue(ticket)!, console.Error);
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var pending = new ConcurrentDictionary<string, byte>();
            var deliveredIds = new ConcurrentDictionary<string, byte>();
            var allDelivered = new AsyncCounter();
            // The ack may beat the code that records the id: both sides check, TryRemove lets only one count it.
            void Settle(string id)
            {
                if (deliveredIds.ContainsKey(id) && pending.TryRemove(id, out byte _))
                {
                    allDelivered.Decrement();
                }
            }

            client.MessageDelivered += (_, e) =>
            {
                deliveredIds[e.MessageId] = 0;
                Settle(e.MessageId);
            };
            client.MessageReceived += (_, e) =>
            {
                if (e.Peer == peer.Id)
                {
                    // Seen on screen = read: the sender gets a receipt.
                    _ = MarkReadQuietlyAsync(client, peer);
                }
            };
            var printer = Task.Run(async () =>
            {
                await foreach (var e in client.Events(ct))
                {
                    if (e.Peer == peer.Id)
                    {
                        output.Event(e);
                    }
                }
            }, ct);
            output.Write(
                $"chatting with {peer.Id.ToShortString()} as {client.LocalId.ToShortString()}; one message per line, Ctrl+D to quit",
                new JsonObject { ["type"] = "chat", ["id"] = client.LocalId.ToString(), ["peer"] = peer.Id.ToString(), ["ticket"] = client.LocalAddress.ToTicket() });
            client.AddPeer(peer);
            while (await console.In.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                allDelivered.Increment();
                var id = await client.SendMessageAsync(peer, line, cancellationToken: ct);
                pending[id] = 0;
                Settle(id);
                output.Write($"  sent {id}", new JsonObject { ["type"] = "sent", ["id"] = id });
            }

            var delivered = await allDelivered.WaitZeroAsync(TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            _ = printer;
            if (delivered)
            {
                return ExitCodes.Success;
            }

            output.Write($"{pending.Count} message(s) stay queued in the outbox", new JsonObject { ["type"] = "queued", ["count"] = pending.Count });
            return ExitCodes.Queued;
        }, ct));
        return command;
    }

    private static async Task MarkReadQuietlyAsync(DmClient client, Transport.EndpointAddr peer)
    {
        try
        {
            await client.MarkReadAsync(peer.Id);
        }
        catch (Exception ex) when (ex is MessagingException or ObjectDisposedException)
        {
            // A receipt that cannot be queued (client closing) is not worth failing the chat for.
        }
    }

    /// <summary>Counts messages in flight; <see cref="WaitZeroAsync"/> waits until all were delivered.</summary>
    private sealed class AsyncCounter
    {
        private readonly Lock _gate = new();
        private int _count;
        private TaskCompletionSource _zero = Completed();

        public void Increment()
        {
            lock (_gate)
            {
                if (_count++ == 0)
                {
                    _zero = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        public void Decrement()
        {
            lock (_gate)
            {
                if (--_count == 0)
                {
                    _zero.TrySetResult();
                }
            }
        }

        public async Task<bool> WaitZeroAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            Task zero;
            lock (_gate)
            {
                zero = _zero.Task;
            }

            return await Task.WhenAny(zero, Task.Delay(timeout, cancellationToken)) == zero;
        }

        private static TaskCompletionSource Completed()
        {
            var done = new TaskCompletionSource();
            done.SetResult();
            return done;
        }
    }
}
