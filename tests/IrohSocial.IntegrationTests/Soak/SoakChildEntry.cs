using IrohSocial.Messaging.Storage;
using IrohSocial.Transport;

namespace IrohSocial.IntegrationTests.Soak;

/// <summary>
/// The soak's third node runs in a child process so it can be killed with SIGKILL mid-send. The child is this
/// very test executable asked to run only <see cref="ChildNode"/>, an explicit test that does nothing unless
/// <see cref="Variable"/> is set. (Why not a separate console project: a project nested in this folder would be
/// compiled into this one too; this keeps the soak self-contained in Soak/.)
/// </summary>
public sealed class SoakChildEntry
{
    public const string Variable = "IROHSOCIAL_SOAK_CHILD";

    /// <summary>Arguments that make the test executable run only the child node.</summary>
    public static IReadOnlyList<string> RunnerArguments =>
        ["-method", $"{typeof(SoakChildEntry).FullName}.{nameof(ChildNode)}", "-explicit", "only", "-noLogo", "-noColor"];

    [Fact(Explicit = true)]
    public async Task ChildNode()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            return;
        }

        try
        {
            await RunAsync();
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync(e.ToString());
            throw;
        }
    }

    /// <summary>
    /// Protocol on stdout: <c>ready PORT</c>, <c>queued CONTENT</c> (durably queued), <c>recv CONTENT</c>,
    /// <c>sent-all</c>, <c>final-sent</c>, <c>status OUTBOX FROM=COUNT...</c>. On stdin: <c>final</c> (send one more message to
    /// each peer), <c>stop</c>.
    /// </summary>
    private static async Task RunAsync()
    {
        var name = Environment.GetEnvironmentVariable("SOAK_NAME")!;
        var seed = Convert.FromHexString(Environment.GetEnvironmentVariable("SOAK_SEED")!);
        var database = Environment.GetEnvironmentVariable("SOAK_DB")!;
        var quota = int.Parse(Environment.GetEnvironmentVariable("SOAK_QUOTA")!, System.Globalization.CultureInfo.InvariantCulture);
        var pace = new Random(int.Parse(Environment.GetEnvironmentVariable("SOAK_RANDOM")!, System.Globalization.CultureInfo.InvariantCulture));
        var output = TextWriter.Synchronized(Console.Out);

        await using var node = await SoakNode.StartAsync(name, seed, database, (content, _) => output.WriteLine($"recv {content}"));
        foreach (var entry in Environment.GetEnvironmentVariable("SOAK_PEERS")!.Split(';'))
        {
            var (peer, ticket) = (entry[..entry.IndexOf('=')], entry[(entry.IndexOf('=') + 1)..]);
            node.AddPeer(peer, EndpointAddr.ParseTicket(ticket));
        }

        output.WriteLine($"ready {node.LocalEndPoint.Port}");
        var stop = new TaskCompletionSource();
        var final = new TaskCompletionSource();
        _ = Task.Run(() =>
        {
            while (Console.ReadLine() is { } line)
            {
                if (line == "final")
                {
                    final.TrySetResult();
                }
                else if (line == "stop")
                {
                    break;
                }
            }

            stop.TrySetResult();
        });

        // Resume where the durable store says we are: a send killed before its commit never happened.
        var next = new Dictionary<string, int>();
        foreach (var (peer, address) in node.Peers)
        {
            var sent = (await node.MessagesWithAsync(address.Id))
                .Where(m => m.Direction == MessageDirection.Outgoing)
                .Select(m => SoakContent.TryParse(m.Content, out _, out _, out var s) ? s : -1)
                .DefaultIfEmpty(-1)
                .Max();
            next[peer] = sent + 1;
        }

        var peers = next.Keys.Order().ToArray();
        while (peers.Any(p => next[p] < quota))
        {
            var peer = peers.Where(p => next[p] < quota).ElementAt(pace.Next(peers.Count(p => next[p] < quota)));
            var content = SoakContent.Format(name, peer, next[peer]);
            await node.Client!.SendMessageAsync(node.Peers[peer], content);
            output.WriteLine($"queued {content}");
            next[peer]++;
            await Task.Delay(pace.Next(1, 8));
        }

        output.WriteLine("sent-all");
        var finalSent = false;
        string? last = null;
        while (!stop.Task.IsCompleted)
        {
            if (final.Task.IsCompleted && !finalSent)
            {
                foreach (var peer in peers)
                {
                    await node.Client!.SendMessageAsync(node.Peers[peer], SoakContent.Format(name, peer, int.MaxValue));
                }

                finalSent = true;
                output.WriteLine("final-sent");
                last = null; // the next status is printed even if it reads the same as before the finals
            }

            var counts = new List<string>();
            foreach (var peer in peers)
            {
                var incoming = (await node.MessagesWithAsync(node.Peers[peer].Id)).Count(m => m.Direction == MessageDirection.Incoming);
                counts.Add($"{peer}={incoming}");
            }

            var status = $"status {await node.OutboxPeersAsync()} {string.Join(' ', counts)}";
            if (status != last)
            {
                output.WriteLine(status);
                last = status;
            }

            await Task.WhenAny(stop.Task, Task.Delay(200));
        }
    }
}
