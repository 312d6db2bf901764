using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial listen</c>: accepts connections and prints incoming messages and events until Ctrl+C. The first
/// line carries the ticket (in JSON mode a <c>ticket</c> field), so scripts can read it and hand it to a peer.
/// </summary>
internal static class ListenCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var bind = CommonOptions.Bind(CommonOptions.DefaultListen, "Address and port to accept connections on.");
        var json = CommonOptions.Json();
        var autoAnswer = new Option<bool>("--auto-answer") { Description = "Answer incoming calls automatically (otherwise they ring until missed)." };
        var audioOut = new Option<string?>("--audio-out") { Description = "Write received call audio to this WAV file (48 kHz mono 16-bit)." };
        var videoOut = new Option<string?>("--video-out") { Description = "Write the received VP9 bitstream to this IVF file." };
        var command = new Command("listen", "Wait for messages and calls (and print them) until Ctrl+C.") { bind, json, autoAnswer, audioOut, videoOut };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            var client = await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct, RelayCommand.Relays(parse));
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
            output.Write(
                $"listening as {client.LocalId}\nticket: {ticket}",
                new JsonObject { ["type"] = "listening", ["id"] = client.LocalId.ToString(), ["ticket"] = ticket, ["bind"] = client.Endpoint.LocalEndPoint.ToString() });
            try
            {
                while (await events.MoveNextAsync())
                {
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
}
