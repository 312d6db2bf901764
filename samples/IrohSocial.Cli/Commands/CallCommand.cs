using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial call PEER</c>: calls a peer ("ringing…" until it answers, "no answer after 30 s" when it does
/// not), prints live statistics every second and hangs up after <c>--seconds</c> (or when the peer does). Exit 0
/// when the call completed, 1 when it was rejected, missed or failed.
/// </summary>
internal static class CallCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var ticket = global.Peer("PEER", "The peer: ticket, contact name, or id (prefix) of a peer whose address is known.");
        var audioIn = new Option<string?>("--audio-in") { Description = "WAV file to send (default: a 440 Hz tone)." };
        var videoIn = new Option<string?>("--video-in") { Description = "Y4M file to send as VP9 video (default: audio only)." };
        var seconds = new Option<double>("--seconds") { Description = "Hang up after this many seconds of call.", DefaultValueFactory = _ => 10 };
        seconds.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 86_400)
            {
                r.AddError("--seconds must be between 0 and 86400.");
            }
        });
        var ringTimeout = new Option<double>("--ring-timeout") { Description = "Give up when the peer has not answered after this many seconds.", DefaultValueFactory = _ => CallOptions.Default.RingTimeout.TotalSeconds };
        ringTimeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 3600)
            {
                r.AddError("--ring-timeout must be between 0 and 3600.");
            }
        });
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to call from.");
        var json = CommonOptions.Json();
        var command = new Command("call", "Call a peer and print live stats.") { ticket, audioIn, videoIn, seconds, ringTimeout, bind, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(json), async () =>
        {
            var audioPath = parse.GetValue(audioIn);
            var videoPath = parse.GetValue(videoIn);
            foreach (var path in new[] { audioPath, videoPath })
            {
                if (path is not null && !File.Exists(path))
                {
                    throw new CliException($"'{path}' does not exist.");
                }
            }

            if (videoPath is not null && !VpxSharp.VpxLibrary.IsAvailable)
            {
                throw new CliException($"video needs libvpx, which was not found. {VpxSharp.VpxLibrary.InstallHint} Or call without --video-in.");
            }

            await using var audio = audioPath is null ? (IAudioSource)new ToneSource(440) : await OpenMediaAsync(audioPath, "--audio-in", "a WAV file (16-bit PCM)", () => WavFileSource.OpenAsync(audioPath, ct));
            await using var video = videoPath is null ? null : await OpenMediaAsync(videoPath, "--video-in", "a Y4M file", () => Y4mFileSource.OpenAsync(videoPath, loop: true, ct));
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(json), node.Names());
            var resolved = await PeerArgument.ResolveReachableAsync(parse.GetValue(ticket)!, node, ct);
            var peer = resolved.Address!;
            var ring = TimeSpan.FromSeconds(parse.GetValue(ringTimeout));
            await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct, CallOptions.Default with { RingTimeout = ring });
            var calls = node.Node!.Calls;
            calls.StatsUpdated += (_, e) => output.CallEvent(e);
            calls.QualityChanged += (_, e) => output.CallEvent(e);
            calls.Reconnected += (_, e) => output.CallEvent(e);
            calls.CallAnswered += (_, e) => output.CallEvent(e);
            var call = await calls.StartCallAsync(peer, new CallMedia { AudioSource = audio, VideoSource = video, Video = video is not null }, ct);
            output.Write($"calling {resolved.Display} ({call.Id})…", new JsonObject { ["type"] = "calling", ["call_id"] = call.Id, ["peer"] = peer.Id.ToString() });
            // The offer was acknowledged: the peer's side is ringing now.
            if (call.State == CallState.Ringing)
            {
                output.Write("ringing…", new JsonObject { ["type"] = "ringing", ["call_id"] = call.Id });
            }

            var limit = TimeSpan.FromSeconds(parse.GetValue(seconds));
            using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (!call.Completion.IsCompleted && call.Elapsed < limit)
                {
                    await ticker.WaitForNextTickAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C hangs up like the timer does.
            }

            if (!call.Completion.IsCompleted)
            {
                await calls.EndAsync(call.Id, CancellationToken.None);
            }

            var reason = await call.Completion;
            if (reason == CallEndReason.Missed && call.Direction == CallDirection.Outgoing)
            {
                output.Write($"no answer after {ring.TotalSeconds:0.#} s", new JsonObject { ["type"] = "no_answer", ["call_id"] = call.Id, ["ring_timeout_s"] = ring.TotalSeconds });
            }
            else if (reason == CallEndReason.Rejected)
            {
                output.Write($"{resolved.Display} declined the call", new JsonObject { ["type"] = "declined", ["call_id"] = call.Id });
            }

            var c = call.Counters;
            output.Write(
                $"call {reason.ToString().ToLowerInvariant()} after {call.Elapsed.TotalSeconds:0.0}s: audio sent {c.AudioFramesSent} played {c.AudioFramesPlayed} (concealed {c.ConcealedFrames}), video sent {c.VideoFramesSent} decoded {c.VideoFramesDecoded}",
                new JsonObject
                {
                    ["type"] = "call_ended", ["call_id"] = call.Id, ["reason"] = reason.ToString().ToLowerInvariant(), ["duration_s"] = call.Elapsed.TotalSeconds,
                    ["audio_frames_sent"] = c.AudioFramesSent, ["audio_frames_played"] = c.AudioFramesPlayed, ["concealed_frames"] = c.ConcealedFrames,
                    ["video_frames_sent"] = c.VideoFramesSent, ["video_frames_decoded"] = c.VideoFramesDecoded,
                });
            return reason == CallEndReason.Completed ? ExitCodes.Success : ExitCodes.Error;
        }, ct));
        return command;
    }

    /// <summary>Opens a media file, turning a malformed one into a message that names the option and the file.</summary>
    private static async Task<T> OpenMediaAsync<T>(string path, string option, string expected, Func<ValueTask<T>> open)
    {
        try
        {
            return await open();
        }
        catch (Exception ex) when (ex is Media.MediaException or InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new CliException($"{option} {path} is not {expected} this tool can read: {ex.Message}", ex);
        }
    }
}
