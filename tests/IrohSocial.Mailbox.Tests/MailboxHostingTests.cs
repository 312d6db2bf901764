using IrohSocial.Hosting;
using IrohSocial.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IrohSocial.Mailbox.Tests;

/// <summary><c>IrohSocialHostOptions.Mailbox</c>: the hosted node advertises its mailbox and fetches from it.</summary>
public sealed class MailboxHostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HostedNode_WithAMailbox_AdvertisesItAndReceivesWhatWaitsThere()
    {
        await using var mailboxHost = await MailboxHost.StartAsync(sqlite: false);
        var folder = Path.Combine(Path.GetTempPath(), "irohsocial-mbhosting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddIrohSocial(o =>
            {
                o.IdentityKeyPath = Path.Combine(folder, "identity.key");
                o.BindAddress = "127.0.0.1:0";
                o.Provider = Testing.TestTransport.Require();
                o.AttachmentDirectory = Path.Combine(folder, "attachments");
                o.Mailbox = mailboxHost.Address.ToTicket();
            });
            using var app = builder.Build();
            await app.StartAsync(Ct);
            var node = app.Services.GetRequiredService<IrohSocialHost>();
            Assert.Equal(mailboxHost.Address, node.Address.Mailbox);
            Assert.Equal(mailboxHost.Address, EndpointAddrTicket(node));

            // A peer that finds the node away leaves a message in its mailbox; the running node fetches it on the push.
            await using var alice = new DmPeer("alice");
            await alice.StartAsync();
            var received = new TaskCompletionSource<MessageReceivedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            node.Messages.MessageReceived += (_, e) => received.TrySetResult(e);
            var away = node.Address with { DirectAddresses = [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Testing.TestTransport.FreePort())] };
            var id = await alice.C.SendMessageAsync(away, "while you were out", cancellationToken: Ct);
            Assert.Equal(id, (await received.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct)).Message.Id);
            await app.StopAsync(Ct);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Transport.EndpointAddr? EndpointAddrTicket(IrohSocialHost node) => Transport.EndpointAddr.ParseTicket(node.Address.ToTicket()).Mailbox;
}
