using System.Text;
using IrohSocial.Transport;
using static IrohSocial.Cli.Tests.CliPeers;

namespace IrohSocial.Cli.Tests;

/// <summary>
/// What a thief of the disk finds: after a saved contact, a message with an attachment and a call, no file in either
/// data folder holds the contact's name, the text, the attachment's name or bytes, either peer's id (hex or raw), an
/// address, a ticket or the call id.
/// </summary>
[Collection(nameof(CliCallTests))] // places a call: runs alone like the other call tests
public sealed class CliDiskCanaryTests : IDisposable
{
    private readonly CliPeers _peers = new();

    [Fact]
    public async Task DataFolders_AfterMessageAttachmentAndCall_HoldNoCanary()
    {
        const string Text = "canary: the heron nests under the old mill";
        const string FileName = "canary-plans.txt";
        var fileBytes = Encoding.UTF8.GetBytes("canary attachment: forty-two barrels of apples\n");
        var attachment = _peers.File(FileName);
        await File.WriteAllBytesAsync(attachment, fileBytes);
        var bob = await _peers.ListenAsync(_peers.Bob, extra: "--auto-answer");

        const string ContactName = "heronkeeper";
        var add = await CliRun.RunAsync(_peers.Alice, "contacts", "add", ContactName, bob.Ticket);
        Assert.True(await add.Exit == ExitCodes.Success, add.Out.Text + add.Error.Text);
        var send = await CliRun.RunAsync(_peers.Alice, "send", ContactName, Text, "--attach", attachment, "--bind", Loopback, "--json");
        Assert.True(await send.Exit == ExitCodes.Success, send.Out.Text + send.Error.Text);
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"attachment\"") && l.Contains(FileName));
        var call = await CliRun.RunAsync(_peers.Alice, "call", bob.Ticket, "--seconds", "1", "--bind", Loopback, "--json");
        Assert.True(await call.Exit == ExitCodes.Success, call.Out.Text + call.Error.Text);
        await bob.Run.Out.WaitForLineAsync(l => l.Contains("\"type\":\"call_ended\""));
        Assert.Equal(ExitCodes.Success, await bob.StopAsync());

        var history = Json(Assert.Single((await CliRun.RunAsync(_peers.Bob, "history", "--json")).Out.Lines));
        var callId = history.GetProperty("call_id").GetString()!;
        var alice = (await IdAsync(_peers.Alice)).Id;
        var ticket = EndpointAddr.ParseTicket(bob.Ticket);
        var canaries = new List<(string Name, byte[] Bytes)>
        {
            ("contact name", Encoding.UTF8.GetBytes(ContactName)),
            ("message text", Encoding.UTF8.GetBytes("heron nests")),
            ("message text (UTF-16)", Encoding.Unicode.GetBytes("heron nests")),
            ("attachment name", Encoding.UTF8.GetBytes(FileName)),
            ("attachment bytes", fileBytes[..24]),
            ("ticket", Encoding.ASCII.GetBytes(bob.Ticket)),
            ("call id", Encoding.UTF8.GetBytes(callId)),
            ("address", Encoding.ASCII.GetBytes(ticket.DirectAddresses[0].ToString())),
            ("address (raw)", [.. ticket.DirectAddresses[0].Address.GetAddressBytes(), (byte)(ticket.DirectAddresses[0].Port >> 8), (byte)ticket.DirectAddresses[0].Port]),
        };
        foreach (var (who, id) in new[] { ("alice", alice), ("bob", bob.Id) })
        {
            canaries.Add(($"{who}'s id (hex)", Encoding.ASCII.GetBytes(id)));
            canaries.Add(($"{who}'s id (HEX)", Encoding.ASCII.GetBytes(id.ToUpperInvariant())));
            canaries.Add(($"{who}'s id (raw)", Convert.FromHexString(id)));
        }

        var scanned = 0;
        foreach (var folder in new[] { _peers.Alice, _peers.Bob })
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                scanned += bytes.Length;
                foreach (var (name, canary) in canaries)
                {
                    Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"{name} found in {Path.GetRelativePath(folder, file)} of {Path.GetFileName(folder)}");
                }

                Assert.DoesNotContain(alice, file, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(bob.Id, file, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.True(scanned > 10_000, "the folders hold the stores and the sealed attachment");
        Assert.True(Directory.EnumerateFiles(Path.Combine(_peers.Bob, "attachments"), "*.sealed", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task ContactsJson_OfAnOlderVersion_IsSealedAndDeleted()
    {
        const string ContactName = "oldheron";
        var bob = await IdAsync(_peers.Bob);
        await IdAsync(_peers.Alice); // creates Alice's identity and store
        var legacy = Path.Combine(_peers.Alice, "contacts.json");
        await File.WriteAllTextAsync(legacy, $"{{\"{ContactName}\": \"{bob.Ticket}\"}}\n");

        var list = await CliRun.RunAsync(_peers.Alice, "contacts", "list", "--json");
        Assert.True(await list.Exit == ExitCodes.Success, list.Out.Text + list.Error.Text);
        var contact = Json(Assert.Single(list.Out.Lines));
        Assert.Equal(ContactName, contact.GetProperty("name").GetString());
        Assert.Equal(bob.Id, contact.GetProperty("id").GetString());
        Assert.False(File.Exists(legacy));

        foreach (var file in Directory.EnumerateFiles(_peers.Alice, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ContactName)) < 0, $"contact name found in {Path.GetFileName(file)}");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(bob.Ticket)) < 0, $"ticket found in {Path.GetFileName(file)}");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(bob.Id)) < 0, $"id found in {Path.GetFileName(file)}");
        }

        // The sealed list is the one in use from now on.
        var remove = await CliRun.RunAsync(_peers.Alice, "contacts", "remove", ContactName);
        Assert.True(await remove.Exit == ExitCodes.Success, remove.Out.Text + remove.Error.Text);
    }

    public void Dispose() => _peers.Dispose();
}
