using System.Diagnostics;
using System.Text;
using System.Text.Json;
using IrohSocial.Cli;
using IrohSocial.Transport;

namespace IrohSocial.Relay.Tests;

/// <summary>
/// Real NATs: Linux network namespaces put alice and bob behind two different routers that masquerade (nftables), with
/// only the relay reachable from both ("internet" namespace). The nodes are the <c>irohsocial</c> CLI run inside their
/// namespaces. Needs root, <c>ip</c> (iproute2) and <c>nft</c> (nftables), which .ci/run installs; skips with the
/// reason elsewhere, unless IROHSOCIAL_REQUIRE_NETNS=1 (CI) turns that into a failure. Traffic stays in the namespaces.
/// </summary>
[Collection(nameof(NatCollection))]
public sealed class NatNamespaceTests
{
    [Fact]
    public async Task TwoNodesBehindTwoNats_ExchangeMessagesAndHoldACall_ThroughTheRelay()
    {
        await using var net = await NatTopology.CreateOrSkipAsync();
        using var folder = new Cli.Tests.TempFolder();

        await using var relay = net.Run(NatTopology.Internet, folder.Sub("relay"), "relay", "--bind", $"{NatTopology.RelayIp}:4443", "--json");
        var relayText = JsonDocument.Parse(await relay.FirstLineAsync()).RootElement.GetProperty("relay").GetString()!;
        Assert.Equal(NatTopology.RelayIp, RelayAddress.Parse(relayText).Url.Host);

        await using var bob = net.Run(NatTopology.BobHost, folder.Sub("bob"), "listen", "--bind", "0.0.0.0:7011", "--json", "--auto-answer", "--relay", relayText);
        var ticket = EndpointAddr.ParseTicket(JsonDocument.Parse(await bob.FirstLineAsync()).RootElement.GetProperty("ticket").GetString()!);
        Assert.Contains(ticket.DirectAddresses, a => a.Address.ToString() == NatTopology.BobIp); // private: unreachable from alice

        // Bob's full ticket: alice tries his private address and the relay; only the relay gets through.
        var send = await net.RunToEndAsync(NatTopology.AliceHost, folder.Sub("alice"), "send", ticket.ToTicket(), "hello across two NATs", "--bind", "0.0.0.0:0", "--relay", relayText, "--timeout", "60");
        Assert.True(send.ExitCode == ExitCodes.Success, send.Output);
        // Output merges stderr, where a first run notes the identity it created.
        Assert.Contains(send.Output.Split('\n'), l => l.StartsWith("delivered ", StringComparison.Ordinal));
        await bob.WaitForLineAsync(l => l.Contains("hello across two NATs"));

        var call = await net.RunToEndAsync(NatTopology.AliceHost, folder.Sub("alice"), "call", ticket.ToTicket(), "--seconds", "8", "--bind", "0.0.0.0:0", "--relay", relayText, "--json");
        Assert.True(call.ExitCode == ExitCodes.Success, $"exit {call.ExitCode}: {call.Output}");
        var end = JsonDocument.Parse(call.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal("completed", end.GetProperty("reason").GetString());
        // Eight seconds: the first relayed call connection of two freshly started processes can take a few seconds on
        // a loaded machine (JIT, two WebSockets and two TLS handshakes); a 3 s call sometimes ended before any audio.
        Assert.True(end.GetProperty("audio_frames_sent").GetInt64() > 0, call.Output);
        Assert.True(end.GetProperty("audio_frames_played").GetInt64() > 0, call.Output);
        await bob.WaitForLineAsync(l => l.Contains("\"type\":\"call_ended\""));

        // Without the relay the same send cannot get through: the NATs really separate them.
        var direct = await net.RunToEndAsync(NatTopology.AliceHost, folder.Sub("alice2"), "send", ticket.ToTicket(), "direct only", "--bind", "0.0.0.0:0", "--timeout", "3");
        Assert.Equal(ExitCodes.Queued, direct.ExitCode);
    }
}

[CollectionDefinition(nameof(NatCollection), DisableParallelization = true)]
public sealed class NatCollection;

/// <summary>
/// internet (relay at 10.200.0.1) ─┬─ 10.200.1.0/24 ─ nat-a (masquerade) ─ 10.201.0.0/24 ─ alice 10.201.0.2
///                                  └─ 10.200.2.0/24 ─ nat-b (masquerade) ─ 10.202.0.0/24 ─ bob 10.202.0.2
/// The internet namespace has no route to either private network; each router forwards only replies inbound.
/// </summary>
internal sealed class NatTopology : IAsyncDisposable
{
    public const string RelayIp = "10.200.0.1";
    public const string BobIp = "10.202.0.2";
    public const string Internet = "inet";
    public const string AliceHost = "a";
    public const string BobHost = "b";

    private static readonly string[] Namespaces = [Internet, "nata", AliceHost, "natb", BobHost];
    private readonly string _prefix = $"irs{Environment.ProcessId % 100000}x{Random.Shared.Next(1000)}";

    private string Ns(string name) => _prefix + name;

    public static async Task<NatTopology> CreateOrSkipAsync()
    {
        var reason = await WhyNotAsync();
        if (reason is not null)
        {
            if (Environment.GetEnvironmentVariable("IROHSOCIAL_REQUIRE_NETNS") == "1")
            {
                Assert.Fail($"Network namespaces are required here (IROHSOCIAL_REQUIRE_NETNS=1) but: {reason}");
            }

            Assert.Skip($"Needs Linux network namespaces: {reason}");
        }

        var topology = new NatTopology();
        try
        {
            await topology.BuildAsync();
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private static async Task<string?> WhyNotAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not Linux";
        }

        if (Environment.UserName != "root")
        {
            return "not root (creating namespaces needs CAP_SYS_ADMIN and CAP_NET_ADMIN)";
        }

        foreach (var tool in new[] { "ip", "nft" })
        {
            if ((await ShAsync("sh", "-c", $"command -v {tool}")).Code != 0)
            {
                return $"'{tool}' is not installed (apt-get install iproute2 nftables)";
            }
        }

        var probe = $"irsprobe{Environment.ProcessId}";
        var created = await ShAsync("ip", "netns", "add", probe);
        await ShAsync("ip", "netns", "del", probe);
        return created.Code == 0 ? null : $"'ip netns add' failed: {created.Output.Trim()}";
    }

    private async Task BuildAsync()
    {
        foreach (var name in Namespaces)
        {
            await MustAsync("ip", "netns", "add", Ns(name));
            await InAsync(name, "ip", "link", "set", "lo", "up");
        }

        await LinkAsync(Internet, "ia", "10.200.1.1/24", "nata", "wa", "10.200.1.2/24");
        await LinkAsync(Internet, "ib", "10.200.2.1/24", "natb", "wb", "10.200.2.2/24");
        await LinkAsync("nata", "la", "10.201.0.1/24", AliceHost, "ea", "10.201.0.2/24");
        await LinkAsync("natb", "lb", "10.202.0.1/24", BobHost, "eb", BobIp + "/24");
        await InAsync(Internet, "ip", "addr", "add", RelayIp + "/32", "dev", "lo");
        await InAsync("nata", "ip", "route", "add", "default", "via", "10.200.1.1");
        await InAsync("natb", "ip", "route", "add", "default", "via", "10.200.2.1");
        await InAsync(AliceHost, "ip", "route", "add", "default", "via", "10.201.0.1");
        await InAsync(BobHost, "ip", "route", "add", "default", "via", "10.202.0.1");
        foreach (var (router, wan) in new[] { ("nata", "wa"), ("natb", "wb") })
        {
            await InAsync(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            var rules = $$"""
                table ip nat { chain post { type nat hook postrouting priority 100; oifname "{{Dev(wan)}}" masquerade; }; }
                table ip filter { chain forwarding { type filter hook forward priority 0; policy drop; ct state established,related accept; iifname != "{{Dev(wan)}}" accept; }; }
                """;
            await MustAsync("ip", ["netns", "exec", Ns(router), "nft", "-f", "-"], rules);
        }
    }

    // Interface names are at most 15 characters: the prefix plus a 2-letter role.
    private string Dev(string role) => _prefix + role;

    private async Task LinkAsync(string leftNs, string left, string leftIp, string rightNs, string right, string rightIp)
    {
        await MustAsync("ip", "link", "add", Dev(left), "type", "veth", "peer", "name", Dev(right));
        await MustAsync("ip", "link", "set", Dev(left), "netns", Ns(leftNs));
        await MustAsync("ip", "link", "set", Dev(right), "netns", Ns(rightNs));
        await InAsync(leftNs, "ip", "addr", "add", leftIp, "dev", Dev(left));
        await InAsync(leftNs, "ip", "link", "set", Dev(left), "up");
        await InAsync(rightNs, "ip", "addr", "add", rightIp, "dev", Dev(right));
        await InAsync(rightNs, "ip", "link", "set", Dev(right), "up");
    }

    private Task InAsync(string ns, params string[] command) => MustAsync("ip", ["netns", "exec", Ns(ns), .. command]);

    /// <summary>Starts the CLI inside a namespace.</summary>
    public CliProcess Run(string ns, string data, params string[] args) =>
        CliProcess.Start("ip", ["netns", "exec", Ns(ns), Dotnet, CliDll, "--data", data, .. args]);

    public async Task<(int ExitCode, string Output)> RunToEndAsync(string ns, string data, params string[] args)
    {
        await using var process = Run(ns, data, args);
        var code = await process.ExitAsync(TimeSpan.FromSeconds(120));
        return (code, process.Output);
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    // The CLI from its own build output (its deps.json and runtimeconfig), same configuration as this test build.
    private static string CliDll
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0/
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "IrohSocial.Sdk.sln")))
                {
                    return Path.Combine(dir.FullName, "samples", "IrohSocial.Cli", "bin", configuration, "net10.0", "IrohSocial.Cli.dll");
                }
            }

            throw new InvalidOperationException("The repository root (IrohSocial.Sdk.sln) was not found above the test binaries.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in Namespaces)
        {
            await ShAsync("ip", "netns", "del", Ns(name)); // deleting a namespace removes its veth ends
        }
    }

    private static async Task MustAsync(string file, params string[] args) => await MustAsync(file, args, null);

    private static async Task MustAsync(string file, string[] args, string? input)
    {
        var (code, output) = await ShAsync(file, args, input);
        if (code != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({code}): {output}");
        }
    }

    private static Task<(int Code, string Output)> ShAsync(string file, params string[] args) => ShAsync(file, args, null);

    private static async Task<(int Code, string Output)> ShAsync(string file, string[] args, string? input)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }

            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}

/// <summary>A CLI child process whose output lines a test can wait for; killed (its tree) on dispose if still running.</summary>
internal sealed class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private CliProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public static CliProcess Start(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.Append(e.Data);
        process.ErrorDataReceived += (_, e) => cli.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                _output.Append(line).Append('\n');
            }
        }
    }

    /// <summary>The first JSON line (an "error: ..." line instead fails with the whole output).</summary>
    /// <remarks>stderr is merged in, so notes such as the first run's "created a new identity" may come first.</remarks>
    public async Task<string> FirstLineAsync()
    {
        var line = await WaitForLineAsync(l => l.StartsWith('{') || l.StartsWith("error", StringComparison.Ordinal));
        return line.StartsWith('{') ? line : throw new InvalidOperationException($"The CLI failed: {Output}");
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        for (var i = 0; i < 1200; i++)
        {
            var found = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No matching line; output so far:\n{Output}");
    }

    public async Task<int> ExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        _process.WaitForExit(); // drains the asynchronous output readers
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
