using System.Diagnostics;
using System.Text.Json;
using IrohSocial.Cli;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Relay.Tests;

/// <summary>
/// Real mDNS between two hosts: two Linux network namespaces joined by a veth pair (a LAN of two), each running the
/// <c>irohsocial</c> CLI. Bob announces (<c>listen --advertise</c>); Alice, who has no address for him, lists him with
/// <c>peers</c> and reaches him by his id alone, then again with a stale ticket. Needs root and <c>ip</c>; skips with the
/// reason elsewhere, unless IROHSOCIAL_REQUIRE_NETNS=1 turns that into a failure. Traffic stays on the veth pair.
/// </summary>
[Collection(nameof(NatCollection))]
public sealed class LanNamespaceTests
{
    [Fact]
    public async Task PeerAnnouncingOnTheLan_IsListed_AndReachedByIdAlone()
    {
        await using var lan = await LanPair.CreateOrSkipAsync();
        using var folder = new Cli.Tests.TempFolder();

        await using var bob = lan.Run(LanPair.BobHost, folder.Sub("bob"), "listen", "--bind", "0.0.0.0:7011", "--json", "--advertise");
        var bobId = EndpointId.Parse(JsonDocument.Parse(await bob.FirstLineAsync()).RootElement.GetProperty("id").GetString()!);

        var peers = await lan.RunToEndAsync(LanPair.AliceHost, folder.Sub("alice"), "peers", "--json", "--seconds", "4");
        Assert.True(peers.ExitCode == ExitCodes.Success, peers.Output);
        var listed = peers.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var bobListed = Assert.Single(listed, p => p.GetProperty("id").GetString() == bobId.ToString());
        Assert.Contains(bobListed.GetProperty("addresses").EnumerateArray(), a => a.GetString() == $"{LanPair.BobIp}:7011");

        // Alice knows only Bob's id: the LAN says where he is.
        var send = await lan.RunToEndAsync(LanPair.AliceHost, folder.Sub("alice"), "send", bobId.ToString(), "found you on the LAN", "--timeout", "30");
        Assert.True(send.ExitCode == ExitCodes.Success, send.Output);
        await bob.WaitForLineAsync(l => l.Contains("found you on the LAN"));

        // A stale ticket (a port Bob left long ago): the fresh LAN hit is dialed first.
        var stale = new EndpointAddr(bobId, [System.Net.IPEndPoint.Parse($"{LanPair.BobIp}:7999")]).ToTicket();
        var again = await lan.RunToEndAsync(LanPair.AliceHost, folder.Sub("alice2"), "send", stale, "despite a stale ticket", "--timeout", "30");
        Assert.True(again.ExitCode == ExitCodes.Success, again.Output);
        await bob.WaitForLineAsync(l => l.Contains("despite a stale ticket"));
    }
}

/// <summary>alice 10.254.0.1 ── veth ── bob 10.254.0.2, each in a namespace of its own; deleted on dispose.</summary>
internal sealed class LanPair : IAsyncDisposable
{
    public const string AliceHost = "la";
    public const string BobHost = "lb";
    public const string BobIp = "10.254.0.2";

    private readonly string _prefix = $"irl{Environment.ProcessId % 100000}x{Random.Shared.Next(1000)}";

    private string Ns(string name) => _prefix + name;

    public static async Task<LanPair> CreateOrSkipAsync()
    {
        string? reason = null;
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            reason = "not Linux as root (namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
        }
        else if ((await ShAsync("ip", "-V")).Code != 0)
        {
            reason = "'ip' is not installed (apt-get install iproute2)";
        }

        var pair = new LanPair();
        if (reason is null)
        {
            try
            {
                foreach (var name in new[] { AliceHost, BobHost })
                {
                    await MustAsync("ip", "netns", "add", pair.Ns(name));
                    await MustAsync("ip", "netns", "exec", pair.Ns(name), "ip", "link", "set", "lo", "up");
                }

                await MustAsync("ip", "link", "add", pair.Ns("a"), "type", "veth", "peer", "name", pair.Ns("b"));
                foreach (var (host, end, ip) in new[] { (AliceHost, "a", "10.254.0.1"), (BobHost, "b", BobIp) })
                {
                    await MustAsync("ip", "link", "set", pair.Ns(end), "netns", pair.Ns(host));
                    await MustAsync("ip", "netns", "exec", pair.Ns(host), "ip", "addr", "add", ip + "/24", "dev", pair.Ns(end));
                    await MustAsync("ip", "netns", "exec", pair.Ns(host), "ip", "link", "set", pair.Ns(end), "up");
                }
            }
            catch (InvalidOperationException ex)
            {
                reason = ex.Message;
            }
        }

        if (reason is not null)
        {
            await pair.DisposeAsync();
            if (Environment.GetEnvironmentVariable("IROHSOCIAL_REQUIRE_NETNS") == "1")
            {
                Assert.Fail($"Network namespaces are required here (IROHSOCIAL_REQUIRE_NETNS=1) but: {reason}");
            }

            Assert.Skip($"Needs two network namespaces joined by a veth pair (a multicast-capable LAN): {reason}");
        }

        return pair;
    }

    /// <summary>Starts the CLI inside a namespace, with LAN discovery on whatever the environment says.</summary>
    public CliProcess Run(string ns, string data, params string[] args) =>
        CliProcess.Start("ip", ["netns", "exec", Ns(ns), "env", "IROHSOCIAL_LOCAL_DISCOVERY=on", Dotnet, CliDll, "--data", data, .. args]);

    public async Task<(int ExitCode, string Output)> RunToEndAsync(string ns, string data, params string[] args)
    {
        await using var process = Run(ns, data, args);
        var code = await process.ExitAsync(TimeSpan.FromSeconds(120));
        return (code, process.Output);
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string CliDll
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
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
        foreach (var name in new[] { AliceHost, BobHost })
        {
            await ShAsync("ip", "netns", "del", Ns(name)); // deleting a namespace removes its veth end, and so the pair
        }
    }

    private static async Task MustAsync(string file, params string[] args)
    {
        var (code, output) = await ShAsync(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({code}): {output.Trim()}");
        }
    }

    private static async Task<(int Code, string Output)> ShAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
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
