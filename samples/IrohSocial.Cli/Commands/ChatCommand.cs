using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Messaging;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial chat PEER</c>: each input line is a message; the peer's messages, receipts and typing appear as
/// they come. Opens with this side's ticket and the recent history. At end of input it waits (up to
/// <c>--timeout</c>) for outstanding deliveries: exit 0 when all were delivered, 2 when some stay queued. Ctrl+C
/// leaves at once (exit 130): every line already entered is safe in the outbox, and the count still queued is printed.
/// </summary>
internal static class ChatCommand
{
    private const string Help = "one message per line; /attach FILE [TEXT], /reply ID TEXT, /delete ID, /help; Ctrl+D to quit";

    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var peerArgument = global.Peer("PEER", "The peer: ticket, contact name, or id (prefix) of a peer whose address is known.");
        var bind = CommonOptions.Bind("0.0.0.0:0", "Address to accept the peer's connections on.");
        var timeout = CommonOptions.Timeout(10);
        var history = new Option<int>("--history") { Description = "How many earlier messages to show when the chat opens.", DefaultValueFactory = _ => 10 };
        var json = CommonOptions.Json();
        var command = new Command("chat", "Interactive chat with one peer (Ctrl+D or end of input to quit).") { peerArgument, bind, timeout, history, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names()) { PathOf = peer => node.Node?.Messages.GetConnection(peer)?.Path };
            var peer = await PeerArgument.ResolveReachableAsync(parse.GetValue(peerArgument)!, node, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var session = new ChatSession(client, node, peer, output);
            var printer = Task.Run(async () =>
            {
                await foreach (var e in client.Events(ct))
                {
                    if (e.Peer == peer.Id)
                    {
                        output.Event(e);
                    }
                }
            }, CancellationToken.None);
            output.Write(
                $"chatting with {peer.Display} as {client.LocalId.ToShortString()}; {Help}\nyour ticket: {client.LocalAddress.ToTicket()}",
                new JsonObject { ["type"] = "chat", ["id"] = client.LocalId.ToString(), ["peer"] = peer.Id.ToString(), ["ticket"] = client.LocalAddress.ToTicket() });
            MessagesCommand.Print(output, node, await node.Store.GetMessagesAsync(peer.Id, Math.Max(0, parse.GetValue(history)), null, ct));
            client.AddPeer(peer.Address!);
            _ = session.MarkReadQuietlyAsync();

            var editor = console.Keys is { } keys && !output.Json ? new LineEditor(keys, output, console.Out) : null;
            try
            {
                while (true)
                {
                    var line = editor is null ? await console.In.ReadLineOrCancelAsync(ct) : await editor.ReadLineAsync(session.Typing, ct);
                    if (line is null || line.Trim() == "/quit")
                    {
                        break;
                    }

                    // Not cancellable: a line entered before Ctrl+C is stored in the outbox, never dropped.
                    await session.HandleLineAsync(line, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                editor?.Detach();
                if (editor?.Draft is { Length: > 0 } draft)
                {
                    output.Write($"not sent (no Enter): {draft}", new JsonObject { ["type"] = "draft", ["text"] = draft });
                }

                await session.ReportQueuedAsync();
                return ExitCodes.Interrupted;
            }

            editor?.Detach();
            bool delivered;
            try
            {
                delivered = await session.WaitDeliveredAsync(TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await session.ReportQueuedAsync();
                return ExitCodes.Interrupted;
            }

            _ = printer;
            if (delivered)
            {
                return ExitCodes.Success;
            }

            await session.ReportQueuedAsync();
            return ExitCodes.Queued;
        }, ct));
        return command;
    }

    /// <summary>One chat's state: messages in flight, typing throttle, and the in-chat commands.</summary>
    private sealed class ChatSession
    {
        private static readonly TimeSpan TypingEvery = TimeSpan.FromSeconds(3);
        private readonly DmClient _client;
        private readonly CliNode _node;
        private readonly ResolvedPeer _peer;
        private readonly Output _output;
        private readonly ConcurrentDictionary<string, byte> _pending = new();
        private readonly ConcurrentDictionary<string, byte> _delivered = new();
        private readonly AsyncCounter _inFlight = new();
        private long _lastTyping;

        public ChatSession(DmClient client, CliNode node, ResolvedPeer peer, Output output)
        {
            _client = client;
            _node = node;
            _peer = peer;
            _output = output;
            client.MessageDelivered += (_, e) =>
            {
                _delivered[e.MessageId] = 0;
                Settle(e.MessageId);
            };
            client.MessageReceived += (_, e) =>
            {
                if (e.Peer == peer.Id)
                {
                    // Seen on screen = read: the sender gets a receipt.
                    _ = MarkReadQuietlyAsync();
                }
            };
        }

        /// <summary>Tells the peer we type, at most every few seconds (best effort, never blocks typing).</summary>
        public void Typing()
        {
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _lastTyping) < TypingEvery.TotalMilliseconds)
            {
                return;
            }

            Interlocked.Exchange(ref _lastTyping, now);
            _ = SendTypingQuietlyAsync();
        }

        public async Task HandleLineAsync(string line, CancellationToken cancellationToken)
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                return;
            }

            try
            {
                if (trimmed.StartsWith('/') && !trimmed.StartsWith("//", StringComparison.Ordinal))
                {
                    await CommandAsync(trimmed, cancellationToken);
                }
                else
                {
                    await SendAsync(line.StartsWith("//", StringComparison.Ordinal) ? line[1..] : line, null, null, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is CliException or MessagingException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                // A refused line (too long, a missing file, an unknown id) is reported; the chat goes on.
                _output.Write($"  refused: {ex.Message}", new JsonObject { ["type"] = "refused", ["error"] = ex.Message });
            }
        }

        private async Task CommandAsync(string line, CancellationToken cancellationToken)
        {
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case "/attach" when parts.Length >= 2:
                    await SendAsync(parts.Length == 3 ? parts[2] : "", [Attachments.FromFile(parts[1])], null, cancellationToken);
                    break;
                case "/reply" when parts.Length == 3:
                    var original = await MessageArgument.ResolveAsync(parts[1], _node, cancellationToken);
                    if (original.Peer != _peer.Id)
                    {
                        throw new CliException($"message {Output.ShortId(original.Id)} belongs to another conversation.");
                    }

                    await SendAsync(parts[2], null, original.Id, cancellationToken);
                    break;
                case "/delete" when parts.Length == 2:
                    var message = await MessageArgument.ResolveAsync(parts[1], _node, cancellationToken);
                    if (message.Peer != _peer.Id)
                    {
                        throw new CliException($"message {Output.ShortId(message.Id)} belongs to another conversation.");
                    }

                    await _client.DeleteMessageAsync(message.Id, cancellationToken);
                    _output.Write($"  deleted {Output.ShortId(message.Id)} (here, and at {_peer.Display} once delivered)", new JsonObject { ["type"] = "deleted_local", ["id"] = message.Id });
                    break;
                case "/help":
                    _output.Write($"  {Help}", new JsonObject { ["type"] = "help", ["text"] = Help });
                    break;
                default:
                    throw new CliException($"unknown or incomplete command '{parts[0]}'; {Help} (start a message with // to send a leading /)");
            }
        }

        private async Task SendAsync(string text, IReadOnlyList<AttachmentSource>? attachments, string? replyTo, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(text) && attachments is not { Count: > 0 })
            {
                throw new CliException("the message is empty.");
            }

            _inFlight.Increment();
            string id;
            try
            {
                id = await _client.SendMessageAsync(_peer.Address!, text, attachments, replyTo, cancellationToken);
            }
            catch
            {
                _inFlight.Decrement();
                throw;
            }

            _pending[id] = 0;
            Settle(id);
            _output.Write($"  sent {Output.ShortId(id)}", new JsonObject { ["type"] = "sent", ["id"] = id });
        }

        // The ack may beat the code that records the id: both sides check, TryRemove lets only one count it.
        private void Settle(string id)
        {
            if (_delivered.ContainsKey(id) && _pending.TryRemove(id, out _))
            {
                _inFlight.Decrement();
            }
        }

        public Task<bool> WaitDeliveredAsync(TimeSpan timeout, CancellationToken cancellationToken) => _inFlight.WaitZeroAsync(timeout, cancellationToken);

        /// <summary>Says how many messages to this peer wait in the outbox (they are safe and go out later).</summary>
        public async Task ReportQueuedAsync()
        {
            var queued = (await DmClient.ListOutboxAsync(_node.Store, CancellationToken.None)).Count(i => i.Peer == _peer.Id && i.Kind == OutboxItemKind.Message);
            if (queued > 0)
            {
                _output.Write(
                    $"{queued} message(s) stay queued in the outbox; the next `irohsocial listen`, `chat` or `outbox flush` delivers them (`outbox list` shows them)",
                    new JsonObject { ["type"] = "queued", ["count"] = queued });
            }
        }

        public async Task MarkReadQuietlyAsync()
        {
            try
            {
                await _client.MarkReadAsync(_peer.Id);
            }
            catch (Exception ex) when (ex is MessagingException or ObjectDisposedException or InvalidOperationException)
            {
                // A receipt that cannot be queued (client closing) is not worth failing the chat for.
            }
        }

        private async Task SendTypingQuietlyAsync()
        {
            try
            {
                await _client.SendTypingAsync(_peer.Id);
            }
            catch (Exception ex) when (ex is MessagingException or Transport.TransportException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                // Typing is best effort: an offline peer simply does not see it.
            }
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
