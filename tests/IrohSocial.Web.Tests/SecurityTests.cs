using System.Net;
using System.Net.WebSockets;
using IrohSocial.Media.Video;
using IrohSocial.Web.Server;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Web.Tests;

/// <summary>The token gate and the loopback rule, over plain HTTP (no browser needed).</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"irohsocial-web-security-{Guid.NewGuid():N}");
    private IrohSocialWebApp? _app;

    private IrohSocialWebApp App => _app!;

    public async ValueTask InitializeAsync() =>
        _app = await IrohSocialWebApp.StartAsync(
            new WebAppSettings { DataDirectory = _data, Urls = "http://127.0.0.1:0", PeerBindAddress = "127.0.0.1:0" },
            logging => logging.SetMinimumLevel(LogLevel.Warning));

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/app.js")]
    [InlineData("/api/me")]
    [InlineData("/api/conversations")]
    public async Task Request_WithoutToken_IsRefused(string path)
    {
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_WithWrongToken_IsRefused()
    {
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        var response = await http.GetAsync("/?token=" + new string('0', App.Token.Length), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task LaunchUrl_SetsAStrictHttpOnlyCookie_ThatOpensTheApi()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = true, UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = App.BaseAddress };
        var page = await http.GetAsync(App.LaunchUrl, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("token", page.RequestMessage!.RequestUri!.Query, StringComparison.Ordinal); // redirected to the clean URL
        var cookie = Assert.Single(handler.CookieContainer.GetCookies(App.BaseAddress));
        Assert.True(cookie.HttpOnly);

        var me = await http.GetStringAsync("/api/me", TestContext.Current.CancellationToken);
        Assert.Contains(App.Node.Id.ToString(), me, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_FromAnotherOrigin_IsRefusedEvenWithTheToken()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-IrohSocial-Token", App.Token);
        socket.Options.SetRequestHeader("Origin", "http://evil.example");
        var uri = new UriBuilder(App.BaseAddress) { Scheme = "ws", Path = "/ws/events" }.Uri;
        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, TestContext.Current.CancellationToken));
        Assert.Contains("403", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_FromThePagesOrigin_IsAccepted()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-IrohSocial-Token", App.Token);
        socket.Options.SetRequestHeader("Origin", App.BaseAddress.GetLeftPart(UriPartial.Authority));
        var uri = new UriBuilder(App.BaseAddress) { Scheme = "ws", Path = "/ws/events" }.Uri;
        await socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Attachment_WithPathCharactersInItsId_IsRefused()
    {
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        http.DefaultRequestHeaders.Add("X-IrohSocial-Token", App.Token);
        var response = await http.GetAsync("/api/attachments/..%2F..%2Fidentity.key/a0", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5001")]
    [InlineData("http://192.168.1.10:5001")]
    [InlineData("http://*:5001")]
    [InlineData("http://127.0.0.1:5001;http://example.org:80")]
    public void Settings_NonLoopbackUrl_IsRefusedUnlessAllowed(string urls)
    {
        var settings = new WebAppSettings { DataDirectory = "x", Urls = urls };
        Assert.Throws<ArgumentException>(settings.Validate);
        (settings with { AllowRemote = true }).Validate();
    }

    [Theory]
    [InlineData("http://127.0.0.1:5001")]
    [InlineData("http://localhost:5001")]
    [InlineData("http://[::1]:5001")]
    public void Settings_LoopbackUrl_IsAccepted(string urls) => new WebAppSettings { DataDirectory = "x", Urls = urls }.Validate();

    [Theory]
    [InlineData("640x480@24", 640, 480, 24)]
    [InlineData("320x240@15", 320, 240, 15)]
    public void ParseVideo_Valid(string text, int width, int height, int fps) =>
        Assert.Equal(new VideoFormat(width, height, fps), WebAppSettings.ParseVideo(text));

    [Theory]
    [InlineData("640x480")]
    [InlineData("641x480@24")]
    [InlineData("640x480@0")]
    [InlineData("4000x3000@24")]
    [InlineData("axb@c")]
    public void ParseVideo_Invalid_Throws(string text) => Assert.Throws<ArgumentException>(() => WebAppSettings.ParseVideo(text));
}
