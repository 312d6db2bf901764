using System.Security.Cryptography;
using System.Text.Json;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Demo;

/// <summary>
/// The demo's script: Alice and Bob on loopback, each with a SQLite store, go through session setup,
/// messages both ways with delivered/read, typing, a reply, a delete, offline delivery, an attachment and a
/// call; the results land in <see cref="DemoOptions.OutputDirectory"/>.
/// </summary>
public sealed class DemoRunner
{
    /// <summary>Exit code when everything worked.</summary>
    public const int Success = 0;

    /// <summary>Exit code when a step failed (the reason is printed).</summary>
    public const int Failure = 1;

    /// <summary>Exit code when a prerequisite is missing (e.g. libvpx for video).</summary>
    public const int MissingPrerequisite = 3;

    private readonly DemoOptions _options;
    private readonly bool _videoSkipped;
    private readonly bool _libvpxMissing;
    private readonly TextWriter _out;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly DemoProgress _progress;
    private int _sent;
    private int _delivered;
    private int _received;

    /// <summary>Creates a runner that prints its progress to <paramref name="output"/>.</summary>
    public DemoRunner(DemoOptions options, TextWriter output, ILoggerFactory? loggerFactory = null)
        : this(options, output, loggerFactory, VpxSharp.VpxLibrary.IsAvailable)
    {
    }

    /// <summary>As the public constructor, with whether libvpx loads given (tests use it to run "without libvpx").</summary>
    internal DemoRunner(DemoOptions options, TextWriter output, ILoggerFactory? loggerFactory, bool libvpxAvailable)
    {
        // Without libvpx the demo still runs everything else, with an audio-only call, unless video was asked for by file.
        _videoSkipped = !options.NoVideo && !libvpxAvailable && options.VideoInput is null;
        _libvpxMissing = !options.NoVideo && !libvpxAvailable;
        options = _videoSkipped ? options with { NoVideo = true } : options;
        _options = options;
        _out = output;
        _loggerFactory = loggerFactory;
        _progress = new DemoProgress(output);
    }

    /// <summary>Runs every step; returns the process exit code and prints why when it is not 0.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_libvpxMissing && !_videoSkipped)
        {
            _out.WriteLine("error: --video-in needs libvpx (VP9), which was not found.");
            _out.WriteLine($"       {VpxSharp.VpxLibrary.InstallHint}");
            _out.WriteLine("       Or run the demo audio-only with --no-video.");
            return MissingPrerequisite;
        }

        if (_videoSkipped)
        {
            _out.WriteLine("note: libvpx (VP9) was not found, so video is skipped: everything else runs, the call is audio-only.");
            _out.WriteLine($"      To enable video: {VpxSharp.VpxLibrary.InstallHint}");
        }

        foreach (var (path, what) in new[] { (_options.AudioInput, "--audio-in"), (_options.VideoInput, "--video-in") })
        {
            if (path is not null && !File.Exists(path))
            {
                _out.WriteLine($"error: {what} file '{path}' does not exist.");
                return Failure;
            }
        }

        var temporary = _options.DataDirectory is null;
        var data = _options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "irohsocial-demo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(_options.OutputDirectory);
        try
        {
            var summary = await RunStepsAsync(data, cancellationToken);
            var summaryPath = Path.Combine(_options.OutputDirectory, "summary.json");
            await File.WriteAllTextAsync(summaryPath, JsonSerializer.Serialize(summary, DemoSummary.Json), cancellationToken);
            _out.WriteLine();
            _out.WriteLine($"done in {_progress.Elapsed.TotalSeconds:0.0}s. Results in {Path.GetFullPath(_options.OutputDirectory)}:");
            _out.WriteLine($"  summary.json  messages sent {summary.MessagesSent}, delivered {summary.MessagesDelivered}, received {summary.MessagesReceived}, offline delivered {summary.OfflineDelivered}");
            var call = summary.Call;
            _out.WriteLine($"  received.wav  {call.AudioFramesPlayed} audio frames played ({call.ConcealedFrames} concealed), latency p50 {call.LatencyMsP50} ms / p95 {call.LatencyMsP95} ms");
            if (call.Video)
            {
                _out.WriteLine($"  received.ivf  {call.VideoFramesDecoded} VP9 frames decoded (decode it with: vpxdec -o received.y4m received.ivf)");
            }
            else if (_videoSkipped)
            {
                _out.WriteLine($"  video skipped: libvpx was not found. To enable it: {VpxSharp.VpxLibrary.InstallHint}");
            }

            return Success;
        }
        catch (DemoFailedException ex)
        {
            _out.WriteLine($"error: {ex.Message}");
            return Failure;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _out.WriteLine($"error: the demo failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
            return Failure;
        }
        finally
        {
            if (temporary)
            {
                TryDelete(data);
            }
        }
    }

    private async Task<DemoSummary> RunStepsAsync(string data, CancellationToken cancellationToken)
    {
        var timeout = _options.StepTimeout;
        Step("starting Alice and Bob (loopback, one SQLite store each)");
        await using var alice = await DemoPeer.StartAsync("Alice", data, _loggerFactory, cancellationToken, _options.Transport);
        await using var bob = await DemoPeer.StartAsync("Bob", data, _loggerFactory, cancellationToken, _options.Transport);
        Detail($"Alice {alice.Key.PublicKey.ToShortString()}  ticket {alice.Client.LocalAddress.ToTicket()}");
        Detail($"Bob   {bob.Key.PublicKey.ToShortString()}  ticket {bob.Client.LocalAddress.ToTicket()}");

        Step("session setup + first message (Alice -> Bob)");
        var first = await SendAndConfirmAsync(alice, bob, _options.Message, replyTo: null, timeout, cancellationToken);
        Detail($"Bob got \"{first.Content}\"; Alice saw it delivered");

        Step("reply (Bob -> Alice, replying to Alice's message)");
        var reply = await SendAndConfirmAsync(bob, alice, "Hi Alice! Loud and clear.", first.Id, timeout, cancellationToken);
        if (reply.ReplyTo != first.Id)
        {
            throw new DemoFailedException("Alice received the reply without its reply-to reference.");
        }

        Detail("Alice got the reply, linked to her first message");

        Step("typing indicator (Alice is typing...)");
        await alice.Client.SendTypingAsync(bob.Key.PublicKey, cancellationToken);
        await bob.Events.WaitAsync<TypingEvent>(e => e.Peer == alice.Key.PublicKey, "Bob to see Alice typing", timeout, cancellationToken);
        Detail("Bob sees: Alice is typing...");

        Step("read receipts (Bob reads, Alice is told)");
        var marked = await bob.Client.MarkReadAsync(alice.Key.PublicKey, cancellationToken);
        await alice.Events.WaitAsync<MessageReadEvent>(e => e.MessageIds.Contains(first.Id), "Alice to get Bob's read receipt", timeout, cancellationToken);
        Detail($"Bob marked {marked} message(s) read; Alice's message shows as read");

        Step("delete (Alice deletes a message on both sides)");
        var oops = await SendAndConfirmAsync(alice, bob, "oops, wrong chat", replyTo: null, timeout, cancellationToken);
        await alice.Client.DeleteMessageAsync(oops.Id, cancellationToken);
        await bob.Events.WaitAsync<MessageDeletedEvent>(e => e.MessageId == oops.Id, "the delete to reach Bob", timeout, cancellationToken);
        if (await bob.Client.GetMessagesAsync(alice.Key.PublicKey, 100, cancellationToken: cancellationToken) is var left && left.Any(m => m.Id == oops.Id))
        {
            throw new DemoFailedException("Bob still has the deleted message.");
        }

        Detail("gone from both stores");

        // Counted now: Bob's restart below starts a fresh event record.
        var typingSeen = bob.Events.Count<TypingEvent>();
        var readReceipts = alice.Events.Count<MessageReadEvent>();
        var offline = await OfflineDeliveryAsync(alice, bob, timeout, cancellationToken);
        var attachmentBytes = await AttachmentAsync(alice, bob, timeout, cancellationToken);
        var call = await DemoCall.RunAsync(alice, bob, _options, _progress, cancellationToken);

        return new DemoSummary
        {
            MessagesSent = _sent,
            MessagesDelivered = _delivered,
            MessagesReceived = _received,
            OfflineDelivered = offline,
            ReadReceipts = readReceipts,
            TypingSeen = typingSeen,
            DeletesApplied = 1,
            AttachmentBytes = attachmentBytes,
            Call = call,
        };
    }

    private async Task<int> OfflineDeliveryAsync(DemoPeer alice, DemoPeer bob, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Step("offline delivery (Bob quits, Alice writes, Bob comes back)");
        await bob.StopAsync();
        Detail("Bob is offline");
        string[] texts = ["Are you there?", "I'll leave these in the outbox for you."];
        var ids = new List<string>();
        foreach (var text in texts)
        {
            ids.Add(await alice.Client.SendMessageAsync(bob.Address, text, cancellationToken: cancellationToken));
            _sent++;
        }

        var queued = (await alice.Client.GetMessagesAsync(bob.Key.PublicKey, 100, cancellationToken: cancellationToken))
            .Count(m => ids.Contains(m.Id) && m.Status == MessageStatus.Pending);
        Detail($"{queued} message(s) queued in Alice's outbox");

        await bob.StartAsync(cancellationToken);
        Detail("Bob is back at the same address");
        // Alice learns Bob is back the way an app would (he re-announces his address); the outbox retries now.
        alice.Client.AddPeer(bob.Address);
        foreach (var id in ids)
        {
            await bob.Events.WaitAsync<MessageReceivedEvent>(e => e.Message.Id == id, "Bob to receive the queued messages", timeout, cancellationToken);
            _received++;
            await alice.Events.WaitAsync<MessageDeliveredEvent>(e => e.MessageId == id, "Alice to see the queued messages delivered", timeout, cancellationToken);
            _delivered++;
        }

        Detail($"all {ids.Count} delivered from the outbox");
        return ids.Count;
    }

    private async Task<long> AttachmentAsync(DemoPeer alice, DemoPeer bob, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Step("attachment (Alice sends a 256 KiB file)");
        var bytes = new byte[256 * 1024];
        RandomNumberGenerator.Fill(bytes);
        var id = await alice.Client.SendMessageAsync(
            bob.Address, "here is the file", [AttachmentSource.FromBytes("holiday.bin", "application/octet-stream", bytes)], cancellationToken: cancellationToken);
        _sent++;
        await bob.Events.WaitAsync<MessageReceivedEvent>(e => e.Message.Id == id, "Bob to receive the attachment's message", timeout, cancellationToken);
        _received++;
        await alice.Events.WaitAsync<MessageDeliveredEvent>(e => e.MessageId == id, "Alice to see the attachment's message delivered", timeout, cancellationToken);
        _delivered++;
        var file = await bob.Events.WaitAsync<AttachmentReceivedEvent>(e => e.MessageId == id, "the attachment's bytes to reach Bob", timeout, cancellationToken);
        // The file at file.Path is sealed at rest; the client decrypts it as it is read.
        var opened = await bob.Client.OpenAttachmentAsync(alice.Key.PublicKey, id, file.Attachment.Id, cancellationToken);
        byte[] received;
        await using (opened)
        {
            var copy = new MemoryStream();
            await opened.CopyToAsync(copy, cancellationToken);
            received = copy.ToArray();
        }

        if (!received.AsSpan().SequenceEqual(bytes))
        {
            throw new DemoFailedException("The attachment Bob stored differs from what Alice sent.");
        }

        Detail($"Bob stored {received.Length} verified bytes, sealed, at {file.Path}");
        return received.Length;
    }

    private async Task<StoredMessage> SendAndConfirmAsync(DemoPeer from, DemoPeer to, string text, string? replyTo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = await from.Client.SendMessageAsync(to.Address, text, replyTo: replyTo, cancellationToken: cancellationToken);
        _sent++;
        var got = await to.Events.WaitAsync<MessageReceivedEvent>(e => e.Message.Id == id, $"{to.Name} to receive \"{text}\"", timeout, cancellationToken);
        _received++;
        await from.Events.WaitAsync<MessageDeliveredEvent>(e => e.MessageId == id, $"{from.Name} to see \"{text}\" delivered", timeout, cancellationToken);
        _delivered++;
        if (got.Message.Content != text)
        {
            throw new DemoFailedException($"{to.Name} received different text than {from.Name} sent.");
        }

        return got.Message;
    }

    private void Step(string text) => _progress.Step(text);

    private void Detail(string text) => _progress.Detail(text);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; failing the demo over it is not.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
