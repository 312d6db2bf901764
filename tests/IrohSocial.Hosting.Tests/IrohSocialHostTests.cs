using System.Collections.Concurrent;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IrohSocial.Hosting.Tests;

public sealed class IrohSocialHostTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "irohsocial-hosting-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AddIrohSocial_TwoHosts_MessageIsDeliveredAndHostsStopGracefully()
    {
        using var alice = BuildHost("alice");
        using var bob = BuildHost("bob");
        await alice.StartAsync();
        await bob.StartAsync();
        var aliceNode = alice.Services.GetRequiredService<IrohSocialHost>();
        var bobNode = bob.Services.GetRequiredService<IrohSocialHost>();
        var received = new TaskCompletionSource<MessageReceivedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivered = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        bobNode.Messages.MessageReceived += (_, e) => received.TrySetResult(e);
        aliceNode.Messages.MessageDelivered += (_, e) => delivered.TrySetResult(e.MessageId);

        var id = await aliceNode.Messages.SendMessageAsync(Transport.EndpointAddr.ParseTicket(bobNode.Ticket), "hello from a hosted node");

        var got = await received.Task.WaitAsync(Wait);
        Assert.Equal("hello from a hosted node", got.Message.Content);
        Assert.Equal(aliceNode.Id, got.Peer);
        Assert.Equal(id, await delivered.Task.WaitAsync(Wait));
        await alice.StopAsync();
        await bob.StopAsync();
        Assert.False(aliceNode.IsRunning);
        Assert.Throws<InvalidOperationException>(() => aliceNode.Messages);
    }

    [Fact]
    public async Task Calls_BetweenTwoHosts_CompleteAndStopEndsNothingAbruptly()
    {
        using var alice = BuildHost("alice");
        using var bob = BuildHost("bob");
        await alice.StartAsync();
        await bob.StartAsync();
        var aliceNode = alice.Services.GetRequiredService<IrohSocialHost>();
        var bobNode = bob.Services.GetRequiredService<IrohSocialHost>();
        var heard = new Media.Audio.MemoryAudioSink();
        var answered = new TaskCompletionSource<Media.Calls.Call>(TaskCreationOptions.RunContinuationsAsynchronously);
        bobNode.Node.Calls.IncomingCall += async (_, e) => answered.TrySetResult(await bobNode.Node.Calls.AnswerAsync(e.CallId, new Media.Calls.CallMedia { AudioSink = heard }));
        await using var tone = new Media.Audio.ToneSource(440);

        var call = await aliceNode.Node.Calls.StartCallAsync(bobNode.Address, new Media.Calls.CallMedia { AudioSource = tone });
        var bobCall = await answered.Task.WaitAsync(Wait);
        while (bobCall.Counters.AudioFramesPlayed < 10 && !bobCall.Completion.IsCompleted)
        {
            await Task.Delay(20);
        }

        await aliceNode.Node.Calls.EndAsync(call.Id);
        Assert.Equal(Media.Calls.CallEndReason.Completed, await call.Completion.WaitAsync(Wait));
        Assert.Equal(Media.Calls.CallEndReason.Completed, await bobCall.Completion.WaitAsync(Wait));
        Assert.True(bobCall.Counters.AudioFramesPlayed >= 10);
        var history = await bobNode.Node.Calls.GetHistoryAsync(10);
        Assert.Equal(call.Id, Assert.Single(history).CallId);
        await alice.StopAsync();
        await bob.StopAsync();
    }

    [Fact]
    public async Task Restart_SameFiles_KeepsIdentityAndMessages()
    {
        Transport.EndpointAddr bobAddress;
        Crypto.EndpointId aliceId;
        using (var bob = BuildHost("bob"))
        using (var alice = BuildHost("alice"))
        {
            await bob.StartAsync();
            await alice.StartAsync();
            var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var aliceNode = alice.Services.GetRequiredService<IrohSocialHost>();
            aliceNode.Messages.MessageDelivered += (_, _) => delivered.TrySetResult();
            bobAddress = bob.Services.GetRequiredService<IrohSocialHost>().Address;
            aliceId = aliceNode.Id;
            await aliceNode.Messages.SendMessageAsync(bobAddress, "kept across restarts");
            await delivered.Task.WaitAsync(Wait);
            await alice.StopAsync();
            await bob.StopAsync();
        }

        using var again = BuildHost("bob");
        await again.StartAsync();
        var node = again.Services.GetRequiredService<IrohSocialHost>();

        Assert.Equal(bobAddress.Id, node.Id);
        var messages = await node.Messages.GetMessagesAsync(aliceId);
        var message = Assert.Single(messages);
        Assert.Equal("kept across restarts", message.Content);
        Assert.Equal(MessageDirection.Incoming, message.Direction);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "bob", "identity.key")));
        }

        await again.StopAsync();
    }

    [Fact]
    public async Task IdentityFile_WithPassphrase_WrittenProtectedAndReopensOnlyWithIt()
    {
        var keyPath = Path.Combine(_folder, "carol", "identity.key");
        Crypto.EndpointId first;
        using (var host = BuildHost("carol", b => b.Services.Configure<IrohSocialHostOptions>(o => o.IdentityPassphraseProvider = _ => ValueTask.FromResult("s3cret"))))
        {
            await host.StartAsync();
            first = host.Services.GetRequiredService<IrohSocialHost>().Id;
            await host.StopAsync();
        }

        var content = await File.ReadAllBytesAsync(keyPath);
        Assert.True(Crypto.ProtectedSecretKey.IsProtected(content));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(keyPath)!));
        }

        using (var again = BuildHost("carol", b => b.Services.Configure<IrohSocialHostOptions>(o => o.IdentityPassphraseProvider = _ => ValueTask.FromResult("s3cret"))))
        {
            await again.StartAsync();
            Assert.Equal(first, again.Services.GetRequiredService<IrohSocialHost>().Id);
            await again.StopAsync();
        }

        using var wrong = BuildHost("carol", b => b.Services.Configure<IrohSocialHostOptions>(o => o.IdentityPassphraseProvider = _ => ValueTask.FromResult("guess")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => wrong.StartAsync());
        using var none = BuildHost("carol");
        await Assert.ThrowsAsync<InvalidOperationException>(() => none.StartAsync());
    }

    [Fact]
    public async Task SecretKeyProvider_SuppliesIdentity_NoIdentityFileWritten()
    {
        var key = Crypto.SecretKey.Generate();
        var expected = key.PublicKey;
        Directory.CreateDirectory(_folder); // the database's folder; no identity file creates it here
        using var host = BuildHost("dave", b => b.Services.Configure<IrohSocialHostOptions>(o =>
        {
            o.IdentityKeyPath = "";
            o.SecretKeyProvider = _ => ValueTask.FromResult(key);
        }));
        await host.StartAsync();
        Assert.Equal(expected, host.Services.GetRequiredService<IrohSocialHost>().Id);
        Assert.False(File.Exists(Path.Combine(_folder, "dave", "identity.key")));
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_WithoutIdentityPathAndBadBind_FailsValidationNamingBoth()
    {
        using var host = Host.CreateApplicationBuilder().Apply(b => b.Services.AddIrohSocial(o => o.BindAddress = "nowhere")).Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.Contains(nameof(IrohSocialHostOptions.IdentityKeyPath)));
        Assert.Contains(ex.Failures, f => f.Contains(nameof(IrohSocialHostOptions.BindAddress)));
    }

    [Fact]
    public void AddIrohSocial_Twice_RegistersOneNodeAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();
        services.AddIrohSocial(o => o.IdentityKeyPath = "a.key");
        services.AddIrohSocial(o => o.BindAddress = "127.0.0.1:0");
        using var provider = services.BuildServiceProvider();

        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.Same(provider.GetRequiredService<IrohSocialHost>(), Assert.Single(hosted));
        var options = provider.GetRequiredService<IOptions<IrohSocialHostOptions>>().Value;
        Assert.Equal("a.key", options.IdentityKeyPath);
        Assert.Equal("127.0.0.1:0", options.BindAddress);
    }

    [Fact]
    public async Task Start_LogsThroughHostLoggerWithoutKeyMaterial()
    {
        var sink = new ListLoggerProvider();
        using var host = BuildHost("alice", b => b.Logging.AddProvider(sink));

        await host.StartAsync();
        var id = host.Services.GetRequiredService<IrohSocialHost>().Id;
        await host.StopAsync();

        Assert.Contains(sink.Entries, e => e.EventId == 9002 && e.Message.Contains(id.ToString()));
        Assert.Contains(sink.Entries, e => e.EventId == 9000);
        Assert.Contains(sink.Entries, e => e.EventId == 9001);
        var seed = (await File.ReadAllTextAsync(Path.Combine(_folder, "alice", "identity.key"))).Trim();
        Assert.DoesNotContain(sink.Entries, e => e.Message.Contains(seed, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Messages_BeforeStart_ThrowsInvalidOperation()
    {
        using var host = BuildHost("alice");

        var node = host.Services.GetRequiredService<IrohSocialHost>();

        Assert.False(node.IsRunning);
        Assert.Throws<InvalidOperationException>(() => node.Ticket);
    }

    private IHost BuildHost(string name, Action<HostApplicationBuilder>? extra = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddIrohSocial(o =>
        {
            o.IdentityKeyPath = Path.Combine(_folder, name, "identity.key");
            o.DatabasePath = Path.Combine(_folder, name + ".db");
            o.BindAddress = "127.0.0.1:0";
            o.Provider = IrohSocial.Testing.TestTransport.Require();
            o.AttachmentDirectory = Path.Combine(_folder, name, "attachments");
            o.Extensions.Add(new Media.Calls.CallsExtension());
        });
        extra?.Invoke(builder);
        return builder.Build();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public ConcurrentBag<(int EventId, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Add((eventId.Id, formatter(state, exception)));
        }
    }
}

internal static class BuilderExtensions
{
    public static HostApplicationBuilder Apply(this HostApplicationBuilder builder, Action<HostApplicationBuilder> action)
    {
        action(builder);
        return builder;
    }
}
