using System.Runtime.InteropServices;
using Microsoft.Playwright;

namespace IrohSocial.Web.Tests;

/// <summary>
/// One headless Chromium for the test run: Debian's <c>/usr/bin/chromium</c> (or <c>$IROHSOCIAL_CHROMIUM</c>) driven by
/// Playwright's bundled driver, with fake camera and microphone (the microphone plays <see cref="FakeMicrophone"/>).
/// Playwright never downloads a browser here: it launches the one given by path. Without one the tests skip, unless
/// IROHSOCIAL_REQUIRE_BROWSER=1 (CI) turns that into a failure.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _skipReason;

    public FakeMicrophone Microphone { get; } = FakeMicrophone.Create();

    public IBrowser Instance => _browser ?? throw new InvalidOperationException("No browser.");

    /// <summary>Where screenshots go: $IROHSOCIAL_WEB_ARTIFACTS, else artifacts/web-tests under the repository.</summary>
    public static string ArtifactsFolder { get; } = FindArtifactsFolder();

    public async ValueTask InitializeAsync()
    {
        var path = FindChromium();
        if (path is null)
        {
            _skipReason = "Chromium not found (apt-get install chromium, or set IROHSOCIAL_CHROMIUM to a Chromium binary)";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            // Playwright gives every launch a fresh temporary profile (--user-data-dir) and removes it afterwards.
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--use-file-for-fake-audio-capture=" + Microphone.Path,
                "--autoplay-policy=no-user-gesture-required",
            ],
        });
    }

    /// <summary>Skips the calling test (or fails it in CI) when there is no browser.</summary>
    public void Require()
    {
        if (_skipReason is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("IROHSOCIAL_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail(_skipReason + "; IROHSOCIAL_REQUIRE_BROWSER=1 requires it");
        }

        Assert.Skip(_skipReason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        File.Delete(Microphone.Path);
    }

    private static string? FindChromium()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Environment.GetEnvironmentVariable("IROHSOCIAL_CHROMIUM") is null)
        {
            return null;
        }

        string?[] candidates = [Environment.GetEnvironmentVariable("IROHSOCIAL_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c));
    }

    private static string FindArtifactsFolder()
    {
        if (Environment.GetEnvironmentVariable("IROHSOCIAL_WEB_ARTIFACTS") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IrohSocial.Sdk.sln")))
            {
                return Path.Combine(dir.FullName, "artifacts", "web-tests");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "web-tests");
    }
}

/// <summary>Shares one browser between the tests of a class.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}
