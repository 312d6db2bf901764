using System.CommandLine;
using System.Text.Json.Nodes;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial call TICKET</c>: calls a peer, prints live statistics every second and hangs up after
/// <c>--seconds</c> (or when the peer does). Exit 0 when the call completed, 1 when it was rejected, missed or failed.
/// </summary>
internal static class CallCommand
{
    public static Command Create(CliConsole console, Option<string> data)
    {
        var ticket = new Argument<string>("TICKET") { Description = "The peer's ticket." };
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
        var bind = CommonOptions.Bind("0.0.0.0:0", "Local address to call from.");
        var json = CommonOptions.Json();
        var command = new Command("call", "Call a peer and print live stats.") { ticket, audioIn, videoIn, seconds, bind, json };
        command.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, async () =>
        {
            var output = new Output(console.Out, parse.GetValue(json));
            var peer = PeerArgument.ParseTicket(parse.GetValue(ticket)!, console.Error);
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

            await using var audio = audioPath is null ? (IAudioSource)new ToneSource(440) : await WavFileSource.OpenAsync(audioPath, ct);
            await using var video = videoPath is null ? null : await Y4mFileSource.OpenAsync(videoPath, loop: true, ct);
            await using var node = await CliNode.OpenAsync(parse.GetValue(data)!, ct);
            await node.StartClientAsync(CommonOptions.ParseBind(parse.GetValue(bind)!), ct);
            var calls = node.Node!.Calls;
            calls.StatsUpdated += (_, e) => output.CallEvent(e);
            calls.CallAnswered += (_, e) => output.CallEvent(e);
            var call = await calls.StartCallAsync(peer, new CallMedia { AudioSource = audio, VideoSource = video, Video = video is not null }, ct);
            output.Write($"calling {peer.Id.ToShortString()} ({call.Id})…", new JsonObject { ["type"] = "calling", ["call_id"] = call.Id, ["peer"] = peer.Id.ToString() });
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
}
