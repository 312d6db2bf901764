using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Web.Server;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Web.Tests;

/// <summary>
/// What a thief of the disk finds in the web sample's data folders (over the HTTP API, no browser): after a saved
/// contact and a message with an uploaded file, no file holds the contact's name, its ticket or id, the text, or the
/// file's name or bytes; the sender still downloads its file (the SDK's sealed copy, decrypted on demand).
/// </summary>
public sealed class DataFolderCanaryTests : IAsyncDisposable
{
    private readonly List<string> _folders = [];

    [Fact]
    public async Task ContactAndUpload_LeaveNothingInClear_SentFileStillDownloads()
    {
        const string ContactName = "heronkeeper";
        const string Text = "canary: the heron nests under the old mill";
        const string FileName = "canary-plans.txt";
        var fileBytes = RandomNumberGenerator.GetBytes(150_000); // over ASP.NET's 64 KiB in-memory form limit
        var (aliceData, alice, aliceHttp) = await StartAsync("alice");
        var (bobData, bob, bobHttp) = await StartAsync("bob");
        string bobTicket = bob.Node.Ticket, bobId = bob.Node.Id.ToString(), aliceId = alice.Node.Id.ToString();
        await using (alice)
        await using (bob)
        using (aliceHttp)
        using (bobHttp)
        {
            (await aliceHttp.PostAsJsonAsync("api/contacts", new { ticket = bobTicket, name = ContactName })).EnsureSuccessStatusCode();

            using var form = new MultipartFormDataContent
            {
                { new StringContent(Text), "content" },
                { new ByteArrayContent(fileBytes) { Headers = { ContentType = new("application/octet-stream") } }, "files", FileName },
            };
            var send = await aliceHttp.PostAsync($"api/conversations/{bobId}/messages", form);
            Assert.True(send.IsSuccessStatusCode, await send.Content.ReadAsStringAsync());
            var sent = await send.Content.ReadFromJsonAsync<JsonElement>();
            var url = sent.GetProperty("attachments")[0].GetProperty("url").GetString()!;

            // The sender reads its file back; the receiver got it too.
            Assert.Equal(fileBytes, await aliceHttp.GetByteArrayAsync(url.TrimStart('/')));
            Assert.Equal(fileBytes, await ReceivedAsync(bobHttp, url.Replace(bobId, aliceId, StringComparison.Ordinal).TrimStart('/')));
        }

        var canaries = new List<(string Name, byte[] Bytes)>
        {
            ("contact name", Encoding.UTF8.GetBytes(ContactName)),
            ("message text", Encoding.UTF8.GetBytes("heron nests")),
            ("file name", Encoding.UTF8.GetBytes(FileName)),
            ("file bytes", fileBytes[..32]),
            ("file bytes (end)", fileBytes[^32..]),
            ("bob's ticket", Encoding.ASCII.GetBytes(bobTicket)),
        };
        foreach (var (who, id) in new[] { ("alice", aliceId), ("bob", bobId) })
        {
            canaries.Add(($"{who}'s id (hex)", Encoding.ASCII.GetBytes(id)));
            canaries.Add(($"{who}'s id (raw)", Convert.FromHexString(id)));
        }

        var scanned = 0;
        foreach (var folder in new[] { aliceData, bobData })
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                scanned += bytes.Length;
                foreach (var (name, canary) in canaries)
                {
                    Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"{name} found in {Path.GetRelativePath(folder, file)} of {Path.GetFileName(folder)}");
                }
            }
        }

        Assert.True(scanned > 2 * fileBytes.Length, "both folders hold a sealed copy of the file");
    }

    [Fact]
    public async Task OlderVersionsClearFiles_AreSealedAndDeleted_StillServed()
    {
        var data = NewFolder("legacy");
        Directory.CreateDirectory(data);
        using var peer = SecretKey.Generate();
        var ticket = new IrohSocial.Transport.EndpointAddr(peer.PublicKey, [new IPEndPoint(IPAddress.Loopback, 4433)]).ToTicket();
        await File.WriteAllTextAsync(Path.Combine(data, "contacts.json"), JsonSerializer.Serialize(new[] { new Contact(peer.PublicKey.ToString(), "oldheron", ticket) }));
        var sentFolder = Path.Combine(data, "sent");
        Directory.CreateDirectory(sentFolder);
        var fileBytes = Encoding.UTF8.GetBytes("canary: an old sent file in the clear");
        await File.WriteAllBytesAsync(Path.Combine(sentFolder, "m1-a0"), fileBytes);
        await File.WriteAllBytesAsync(Path.Combine(sentFolder, "upload-0123"), fileBytes); // a staged upload a crash left

        var (_, app, http) = await StartAsync("legacy", data);
        await using (app)
        using (http)
        {
            var contact = Assert.Single((await http.GetFromJsonAsync<JsonElement>("api/contacts")).EnumerateArray());
            Assert.Equal("oldheron", contact.GetProperty("name").GetString());
            Assert.Equal(fileBytes, await http.GetByteArrayAsync($"api/attachments/m1/a0?peer={peer.PublicKey}"));
        }

        Assert.False(File.Exists(Path.Combine(data, "contacts.json")));
        foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf("oldheron"u8) < 0, $"contact name found in {Path.GetFileName(file)}");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(ticket)) < 0, $"ticket found in {Path.GetFileName(file)}");
            Assert.True(bytes.AsSpan().IndexOf(fileBytes) < 0, $"sent file found in {Path.GetFileName(file)}");
        }
    }

    /// <summary>The receiver's copy, once its hash verified (the upload may still be finishing on its side).</summary>
    private static async Task<byte[]> ReceivedAsync(HttpClient http, string url)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await http.GetAsync(url, timeout.Token);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return await response.Content.ReadAsByteArrayAsync(timeout.Token);
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    private string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"irohsocial-web-canary-{name}-{Guid.NewGuid():N}");
        _folders.Add(folder);
        return folder;
    }

    private async Task<(string Data, IrohSocialWebApp App, HttpClient Http)> StartAsync(string name, string? data = null)
    {
        data ??= NewFolder(name);
        var app = await IrohSocialWebApp.StartAsync(
            new WebAppSettings { DataDirectory = data, Urls = "http://127.0.0.1:0", PeerBindAddress = "127.0.0.1:0" },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        var http = new HttpClient { BaseAddress = app.BaseAddress };
        http.DefaultRequestHeaders.Add("X-IrohSocial-Token", app.Token);
        return (data, app, http);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // a file still held open by a late writer; the temp folder is cleaned by the OS
            }
        }

        return ValueTask.CompletedTask;
    }
}
