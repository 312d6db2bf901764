using System.Globalization;
using System.Net;
using IrohSocial.Media.Video;
using Microsoft.Extensions.Configuration;

namespace IrohSocial.Web.Server;

/// <summary>Settings of one web app instance (one user, one node).</summary>
public sealed record WebAppSettings
{
    /// <summary>Folder for the identity, the database, attachments and contacts.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Where the page is served (ASP.NET Core <c>--urls</c> syntax); loopback only unless <see cref="AllowRemote"/>.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5001";

    /// <summary>Address the node accepts peer connections on (<c>ADDRESS:PORT</c>).</summary>
    public string PeerBindAddress { get; init; } = "0.0.0.0:0";

    /// <summary>The access token of the page; a random one per start when null.</summary>
    public string? Token { get; init; }

    /// <summary>Serve the page on non-loopback addresses too (anyone who can reach it and has the token drives the node).</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Camera size and rate the page captures at and the call sends.</summary>
    public VideoFormat Video { get; init; } = new(640, 480, 24);

    /// <summary>Reads <c>--data</c>, <c>--urls</c>, <c>--peer-bind</c>, <c>--token</c>, <c>--video WxH@FPS</c> and <c>--allow-remote</c>.</summary>
    /// <exception cref="ArgumentException">A value is malformed.</exception>
    public static WebAppSettings FromArgs(string[] args)
    {
        var config = new ConfigurationBuilder().AddCommandLine(args).Build();
        var defaults = new WebAppSettings { DataDirectory = "irohsocial-web-data" };
        return defaults with
        {
            DataDirectory = config["data"] ?? defaults.DataDirectory,
            Urls = config["urls"] ?? defaults.Urls,
            PeerBindAddress = config["peer-bind"] ?? defaults.PeerBindAddress,
            Token = config["token"],
            AllowRemote = config["allow-remote"] is { } remote && (remote.Length == 0 || bool.Parse(remote)),
            Video = config["video"] is { } video ? ParseVideo(video) : defaults.Video,
        };
    }

    /// <summary>Parses <c>WIDTHxHEIGHT@FPS</c>, e.g. <c>640x480@24</c>.</summary>
    public static VideoFormat ParseVideo(string text)
    {
        var parts = text.Split('x', '@');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var fps)
            || width is < 16 or > 1920 || height is < 16 or > 1080 || fps is < 1 or > 60 || width % 2 != 0 || height % 2 != 0)
        {
            throw new ArgumentException($"--video expects WIDTHxHEIGHT@FPS with even sizes up to 1920x1080 and 1-60 fps, got '{text}'.");
        }

        return new VideoFormat(width, height, fps);
    }

    /// <summary>Throws unless every URL is on loopback (or <see cref="AllowRemote"/> is set).</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(DataDirectory);
        _ = IPEndPoint.Parse(PeerBindAddress);
        if (AllowRemote)
        {
            return;
        }

        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = new Uri(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal)).Host;
            var loopback = host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback)
            {
                throw new ArgumentException($"{url} is not a loopback address: the page drives your identity, so it is served on loopback only. Pass --allow-remote to serve it elsewhere (behind TLS).");
            }
        }
    }
}
