using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls;
using IrohSocial.Media.Video;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Demo;

/// <summary>
/// The demo's call: Alice calls Bob (her WAV file, a synthetic talker or a tone, plus her Y4M file or a test pattern), Bob answers
/// and records what he plays out (received.wav) and the VP9 bitstream he receives (received.ivf); live stats
/// are printed every second; Alice hangs up after the requested time.
/// </summary>
internal static class DemoCall
{
    public static async Task<CallSummary> RunAsync(DemoPeer alice, DemoPeer bob, DemoOptions options, DemoProgress progress, CancellationToken cancellationToken)
    {
        var video = !options.NoVideo;
        progress.Step($"call (Alice calls Bob: Opus audio{(video ? " + VP9 video" : "")}, {options.CallDuration.TotalSeconds:0.#}s)");
        await using var audioSource = options.AudioInput is { } wav
            ? (IAudioSource)await WavFileSource.OpenAsync(wav, cancellationToken)
            : options.Speech ? new SpeechLikeSource() : new ToneSource(frequencyHz: 440, amplitude: 0.3);
        await using var videoSource = !video ? null
            : options.VideoInput is { } y4m
                ? (IVideoSource)await Y4mFileSource.OpenAsync(y4m, loop: true, cancellationToken)
                : new TestPatternSource(new VideoFormat(640, 480));
        var received = WavFileSink.Create(Path.Combine(options.OutputDirectory, "received.wav"));
        var ivfPath = Path.Combine(options.OutputDirectory, "received.ivf");
        // An audio-only run must not leave an older run's video next to its results.
        File.Delete(ivfPath);
        var ivf = video ? File.Create(ivfPath) : null;
        try
        {
            var bobsCall = new TaskCompletionSource<Call>(TaskCreationOptions.RunContinuationsAsynchronously);
            bob.Calls.IncomingCall += (_, e) => _ = AnswerAsync(bob, e, new CallMedia { AudioSink = received, ReceivedVideoIvf = ivf }, bobsCall, cancellationToken);
            var aliceCall = await alice.Calls.StartCallAsync(bob.Address, new CallMedia { AudioSource = audioSource, VideoSource = videoSource, Video = video }, cancellationToken);
            progress.Detail($"ringing ({aliceCall.Id})");
            var bobCall = await bobsCall.Task.WaitAsync(options.StepTimeout, cancellationToken);
            await WaitActiveAsync(aliceCall, options.StepTimeout, cancellationToken);
            progress.Detail("Bob answered; media is flowing end-to-end encrypted");

            using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (aliceCall.Elapsed < options.CallDuration && aliceCall.State == CallState.Active)
            {
                await ticker.WaitForNextTickAsync(cancellationToken);
                progress.Detail(Describe(aliceCall, bobCall, video));
            }

            if (aliceCall.State != CallState.Active)
            {
                throw new DemoFailedException($"The call ended early ({await aliceCall.Completion}).");
            }

            await alice.Calls.EndAsync(aliceCall.Id, cancellationToken);
            var aliceEnd = await aliceCall.Completion.WaitAsync(options.StepTimeout, cancellationToken);
            var bobEnd = await bobCall.Completion.WaitAsync(options.StepTimeout, cancellationToken);
            if (aliceEnd != CallEndReason.Completed || bobEnd != CallEndReason.Completed)
            {
                throw new DemoFailedException($"The call ended as {aliceEnd} (Alice) / {bobEnd} (Bob), not completed.");
            }

            var sent = aliceCall.Counters;
            var got = bobCall.Counters;
            progress.Detail($"hung up after {aliceCall.Elapsed.TotalSeconds:0.0}s");
            if (got.AudioFramesPlayed == 0 || got.AudioFramesPlayed == got.ConcealedFrames)
            {
                throw new DemoFailedException("Bob played no received audio.");
            }

            if (video && got.VideoFramesDecoded == 0)
            {
                throw new DemoFailedException("Bob decoded no video frames.");
            }

            var history = await bob.Calls.GetHistoryAsync(1, cancellationToken: cancellationToken);
            if (history is not [{ EndedReason: CallEndReason.Completed } record] || record.CallId != aliceCall.Id)
            {
                throw new DemoFailedException("Bob's call history does not show the completed call.");
            }

            return new CallSummary
            {
                DurationSeconds = Math.Round(aliceCall.Elapsed.TotalSeconds, 2),
                Video = video,
                AudioFramesSent = sent.AudioFramesSent,
                AudioFramesPlayed = got.AudioFramesPlayed,
                ConcealedFrames = got.ConcealedFrames,
                VideoFramesSent = sent.VideoFramesSent,
                VideoFramesDecoded = got.VideoFramesDecoded,
                LatencyMsP50 = Math.Round(bobCall.LatestStats?.LatencyP50?.TotalMilliseconds ?? 0, 1),
                LatencyMsP95 = Math.Round(bobCall.LatestStats?.LatencyP95?.TotalMilliseconds ?? 0, 1),
            };
        }
        finally
        {
            // The call does not own its devices; closing them writes the WAV and IVF headers' final sizes.
            await received.DisposeAsync();
            if (ivf is not null)
            {
                await ivf.DisposeAsync();
            }
        }
    }

    private static async Task AnswerAsync(DemoPeer bob, IncomingCallEvent incoming, CallMedia media, TaskCompletionSource<Call> answered, CancellationToken cancellationToken)
    {
        try
        {
            answered.TrySetResult(await bob.Calls.AnswerAsync(incoming.CallId, media, cancellationToken));
        }
        catch (Exception ex)
        {
            answered.TrySetException(new DemoFailedException($"Bob could not answer: {ex.Message}", ex));
        }
    }

    private static async Task WaitActiveAsync(Call call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (call.State == CallState.Ringing)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new DemoFailedException("Timed out waiting for the call to become active.");
            }

            await Task.Delay(20, cancellationToken);
        }

        if (call.State == CallState.Ended)
        {
            throw new DemoFailedException($"The call ended before it started ({await call.Completion}).");
        }
    }

    private static string Describe(Call alice, Call bob, bool video)
    {
        var a = alice.Counters;
        var b = bob.Counters;
        var stats = bob.LatestStats;
        var line = $"{alice.Elapsed.TotalSeconds,4:0.0}s  audio sent {a.AudioFramesSent,4} played {b.AudioFramesPlayed,4} concealed {b.ConcealedFrames,3}";
        if (video)
        {
            line += $"  video sent {a.VideoFramesSent,3} decoded {b.VideoFramesDecoded,3}";
        }

        if (stats is not null)
        {
            line += $"  {stats.Quality.ToString().ToLowerInvariant()}  jitter {stats.Jitter.TotalMilliseconds:0}ms loss {stats.LossFraction:P0} {stats.ReceiveBitrate / 1000:0}kbps";
            if (stats.RoundTripTime is { } rtt)
            {
                line += $" rtt {rtt.TotalMilliseconds:0}ms";
            }

            if (stats.Reconnections > 0)
            {
                line += $"  reconnected {stats.Reconnections}x, last audio gap {(stats.LastReconnectionGap is { } gap ? $"{gap.TotalMilliseconds:0}ms" : "-")}";
            }
        }

        return line;
    }
}
