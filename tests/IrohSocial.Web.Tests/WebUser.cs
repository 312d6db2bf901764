using System.Net.Http.Json;
using System.Text.Json;
using IrohSocial.Media.Video;
using IrohSocial.Web.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace IrohSocial.Web.Tests;

/// <summary>One user: a web app server (with its own node and data folder) and a browser context with its page open.</summary>
public sealed class WebUser : IAsyncDisposable
{
    private readonly string _data;
    private readonly IBrowserContext _context;
    private readonly string _testName;
    private int _shots;

    private WebUser(string name, string testName, string data, IrohSocialWebApp app, IBrowserContext context, IPage page, HttpClient http)
    {
        Name = name;
        _testName = testName;
        _data = data;
        App = app;
        _context = context;
        Page = page;
        Http = http;
    }

    public string Name { get; }

    public IrohSocialWebApp App { get; }

    public IPage Page { get; }

    /// <summary>The same API the page uses, authenticated with the token header.</summary>
    public HttpClient Http { get; }

    public string Id => App.Node.Id.ToString();

    public string Ticket => App.Node.Ticket;

    public static async Task<WebUser> StartAsync(Browser browser, string name, string testName, VideoFormat? video = null)
    {
        var data = Path.Combine(Path.GetTempPath(), $"irohsocial-web-{name}-{Guid.NewGuid():N}");
        var app = await IrohSocialWebApp.StartAsync(
            new WebAppSettings
            {
                DataDirectory = data,
                Urls = "http://127.0.0.1:0",
                PeerBindAddress = "127.0.0.1:0",
                // Small pictures keep two encoders, two decoders and two pages within a shared CI machine's means.
                Video = video ?? new VideoFormat(320, 240, 15),
            },
            logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        var context = await browser.Instance.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1180, Height = 760 },
            Permissions = ["camera", "microphone"],
            AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Console.WriteLine($"[{name} page] {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Console.WriteLine($"[{name} page] error: {error}");
        await page.GotoAsync(app.LaunchUrl.ToString());
        var http = new HttpClient { BaseAddress = app.BaseAddress };
        http.DefaultRequestHeaders.Add("X-IrohSocial-Token", app.Token);
        return new WebUser(name, testName, data, app, context, page, http);
    }

    public async Task GoAsync(string hash)
    {
        await Page.EvaluateAsync("h => { location.hash = h; }", hash);
    }

    public async Task AddContactByApiAsync(WebUser other)
    {
        var response = await Http.PostAsJsonAsync("api/contacts", new { ticket = other.Ticket, name = other.Name });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The last <paramref name="samples"/> samples the page's playout worklet played.</summary>
    public async Task<short[]> PlayedAudioAsync(int samples)
    {
        var values = await Page.EvaluateAsync<JsonElement>("n => Array.from(window.irohsocial.media.playedSamples(n))", samples);
        return [.. values.EnumerateArray().Select(v => (short)v.GetInt32())];
    }

    public async Task<int> RemoteFramesAsync() => await Page.EvaluateAsync<int>("() => window.irohsocial.media.remoteFrames");

    public async Task ScreenshotAsync(string step)
    {
        var folder = Path.Combine(Browser.ArtifactsFolder, _testName);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{++_shots:D2}-{Name}-{step}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _context.CloseAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open by a late writer; the temp folder is cleaned by the OS
        }
    }
}
