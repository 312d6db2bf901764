using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial listen</c>: accepts connections and prints incoming messages and events until Ctrl+C. The first
/// line carries the ticket (in JSON mode a <c>ticket</c> field), so scripts can read it and hand it to a peer.
/// Lines typed (or piped) in are replies: to whoever wrote last, or <c>@PEER text</c> to anyone.
/// </summary>
internal static class ListenCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var bind = CommonOptions.Bind(CommonOptions.DefaultListen, "Address and port to accept connections on.");
        var json = CommonOptions.Json();
        var autoAnswer = new Option<bool>("--auto-answer") { Description = "Answer incoming calls automatically (otherwise they ring until missed)." };
        var audioOut = new Option<string?>("--audio-out") { Description = "Write received call audio to this WAV file (48 kHz mono 16-bit)." };
        var videoOut = new Option<string?>("--video-out") { Description = "Write the received VP9 bitstream to this IVF file." };
        var mailbox = new Option<string?>("--mailbox")
        {
            Description = "This node's mailbox (the 'mailbox' printed by 'irohsocial relay --mailbox'): the ticket names it, senders leave messages there while this node is away, and it is fetched at start and while running.",
        };
        mailbox.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !EndpointAddr.TryParseTicket(text, out _))
            {
                r.AddError($"--mailbox wants the mailbox ticket printed by 'irohsocial relay --mailbox', not '{text}'.");
            }
        });
        var advertise = new Option<bool>("--advertise")
        {
            Description = "Announce this node on the LAN (mDNS), so peers there reach it by id alone; it tells everyone on the LAN that this identity is here.",
        };
        var command = new Command("listen", "Wait for messages and calls (and print them) until Ctrl+C.") { bind, json, autoAnswer, audioOut, videoOut, mailbox, advertise };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            // Recording paths are checked before anything starts: a typo must not surface only when a call comes in.
            CommonOptions.CheckWritable(parse.GetValue(audioOut), "--audio-out");
            CommonOptions.CheckWritable(parse.GetValue(videoOut), "--video-out");
            await using var node = await global.OpenAsync(parse, console, ct);
            node.AnnounceOnLan = parse.GetValue(advertise);
            // In the node's address from the start: set later, the start would first tell contacts "no mailbox".
            node.Mailbox = parse.GetValue(mailbox) is { } mailboxTicket ? EndpointAddr.ParseTicket(mailboxTicket) : null;
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names()) { PathOf = peer => client.GetConnection(peer)?.Path };

            var calls = node.Node!.Calls;
            await using var answering = new CallAnswerer(calls, parse.GetValue(autoAnswer), parse.GetValue(audioOut), parse.GetValue(videoOut), console);
            calls.IncomingCall += (_, e) => answering.OnIncoming(e);
            var callEvents = Task.Run(async () =>
            {
                await foreach (var e in calls.Events(ct))
                {
                    output.CallEvent(e);
                }
            }, CancellationToken.None);
            // Subscribe before announcing the ticket so nothing that follows the announcement is missed.
            var events = client.Events(ct).GetAsyncEnumerator(ct);
            var ticket = client.LocalAddress.ToTicket();
            var paths = string.Join(", ", client.Endpoint.Paths.Select(p => p.ToString().ToLowerInvariant()));
            output.Write(
                $"listening as {client.LocalId}\nticket: {ticket}\npaths: {paths}\ntype a line to reply to the last sender, or @PEER text",
                new JsonObject
                {
                    ["type"] = "listening", ["id"] = client.LocalId.ToString(), ["ticket"] = ticket, ["bind"] = client.Endpoint.LocalEndPoint.ToString(),
                    ["paths"] = new JsonArray([.. client.Endpoint.Paths.Select(p => (JsonNode)p.ToString().ToLowerInvariant())]),
                });
            var replies = new Replier(client, node, output);
            var input = Task.Run(() => replies.RunAsync(console, ct), CancellationToken.None);
            try
            {
                while (await events.MoveNextAsync())
                {
                    if (events.Current is MessageReceivedEvent received)
                    {
                        replies.LastSender = received.Peer;
                    }

                    output.Event(events.Current);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: stop cleanly.
            }
            finally
            {
                await events.DisposeAsync();
                await input.ContinueWith(_ => { }, TaskScheduler.Default);
                // Stop the node first (ends calls), so the recording files are complete when they are closed.
                await node.StopNodeAsync();
                await callEvents.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>
    /// Answers incoming calls when asked to, recording what is received; the files are closed (headers finalized)
    /// when a call ends or the listener stops.
    /// </summary>
    private sealed class CallAnswerer(CallManager calls, bool enabled, string? audioOut, string? videoOut, CliConsole console) : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _open = [];
        public void OnIncoming(IncomingCallEvent incoming)
        {
            if (enabled)
            {
                _ = AnswerAsync(incoming);
            }
        }

        private async Task AnswerAsync(IncomingCallEvent incoming)
        {
            try
            {
                var sink = audioOut is null ? null : WavFileSink.Create(audioOut);
                var ivf = videoOut is null ? null : File.Create(videoOut);
                lock (_open)
                {
                    if (sink is not null)
                    {
                        _open.Add(sink);
                    }

                    if (ivf is not null)
                    {
                        _open.Add(ivf);
                    }
                }

                var call = await calls.AnswerAsync(incoming.CallId, new CallMedia { AudioSink = sink, ReceivedVideoIvf = ivf });
                await call.Completion;
                await CloseAsync(sink, ivf);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or Messaging.MessagingException)
            {
                await console.Error.WriteLineAsync($"error: could not answer call {incoming.CallId}: {ex.Message}");
            }
        }

        private async Task CloseAsync(params IAsyncDisposable?[] items)
        {
            foreach (var item in items)
            {
                if (item is null)
                {
                    continue;
                }

                bool owned;
                lock (_open)
                {
                    owned = _open.Remove(item);
                }

                if (owned)
                {
                    await item.DisposeAsync();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            IAsyncDisposable[] open;
            lock (_open)
            {
                open = [.. _open];
                _open.Clear();
            }

            foreach (var item in open)
            {
                await item.DisposeAsync();
            }
        }
    }

    /// <summary>Sends the lines typed into <c>listen</c>: to the last sender, or <c>@PEER text</c>.</summary>
    private sealed class Replier(DmClient client, CliNode node, Output output)
    {
        private readonly Lock _gate = new();
        private EndpointId? _lastSender;

        public EndpointId? LastSender
        {
            get
            {
                lock (_gate)
                {
                    return _lastSender;
                }
            }

            set
            {
                lock (_gate)
                {
                    _lastSender = value;
                }
            }
        }

        public async Task RunAsync(CliConsole console, CancellationToken cancellationToken)
        {
            var editor = console.Keys is { } keys && !output.Json ? new LineEditor(keys, output, console.Out) : null;
            try
            {
                while ((editor is null ? await console.In.ReadLineOrCancelAsync(cancellationToken) : await editor.ReadLineAsync(null, cancellationToken)) is { } line)
                {
                    // Not cancellable: a reply entered before Ctrl+C is stored in the outbox, never dropped.
                    await ReplyAsync(line, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: the listener stops.
            }
            finally
            {
                editor?.Detach();
            }
        }

        private async Task ReplyAsync(string line, CancellationToken cancellationToken)
        {
            var text = line.Trim();
            if (text.Length == 0)
            {
                return;
            }

            try
            {
                EndpointId to;
                if (text.StartsWith('@'))
                {
                    var parts = text[1..].Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length < 2)
                    {
                        throw new CliException("@PEER needs a message after it.");
                    }

                    var peer = await PeerArgument.ResolveAsync(parts[0], node, cancellationToken);
                    if (peer.Address is not null)
                    {
                        client.AddPeer(peer.Address);
                    }

                    (to, text) = (peer.Id, parts[1]);
                }
                else
                {
                    to = LastSender ?? throw new CliException("nobody has written yet; use @PEER text.");
                }

                var id = await client.SendMessageAsync(to, text, cancellationToken: cancellationToken);
                output.Write($"  sent {Output.ShortId(id)} to {output.Name(to)}", new JsonObject { ["type"] = "sent", ["id"] = id, ["peer"] = to.ToString() });
            }
            catch (Exception ex) when (ex is CliException or MessagingException or ArgumentException)
            {
                output.Write($"  refused: {ex.Message}", new JsonObject { ["type"] = "refused", ["error"] = ex.Message });
            }
        }
    }
}
