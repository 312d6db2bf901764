using System.CommandLine;
using System.Net;
using IrohSocial.Transport;

namespace IrohSocial.Cli.Commands;

/// <summary>Options several commands share (each command gets its own instance).</summary>
internal static class CommonOptions
{
    /// <summary>Where <c>listen</c> (and the ticket <c>id</c> prints) is reachable unless told otherwise.</summary>
    public const string DefaultListen = "0.0.0.0:7011";

    public static Option<bool> Json() => new("--json") { Description = "One JSON object per line." };

    public static Option<string> Bind(string defaultValue, string description)
    {
        var option = new Option<string>("--bind") { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (!IPEndPoint.TryParse(text, out _) || !text.Contains(':'))
            {
                r.AddError($"--bind wants ADDRESS:PORT (e.g. 127.0.0.1:7011), not '{text}'.");
            }
        });
        return option;
    }

    public static Option<double> Timeout(double seconds) => new("--timeout")
    {
        Description = "Seconds to wait for delivery before leaving the message in the outbox.",
        DefaultValueFactory = _ => seconds,
    };

    public static IPEndPoint ParseBind(string text) => IPEndPoint.Parse(text);

    /// <summary>Fails now, naming the option, when <paramref name="path"/> (if given) could not be written later.</summary>
    public static void CheckWritable(string? path, string option)
    {
        if (path is null)
        {
            return;
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new CliException($"{option} {path} is a folder; give a file name.");
        }

        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new CliException($"{option} {path}: the folder {folder} does not exist.");
        }

        // Opening is the only reliable test of permission; a file that did not exist is removed again.
        var existed = File.Exists(full);
        try
        {
            using (new FileStream(full, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
            {
            }

            if (!existed)
            {
                File.Delete(full);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{option} {path} cannot be written: {ex.Message}", ex);
        }
    }

    /// <summary><c>--transport quic|tcp|auto</c>: auto listens on QUIC and TCP where msquic exists, TCP alone elsewhere.</summary>
    public static Option<string> Transport()
    {
        var option = new Option<string>("--transport")
        {
            Description = "quic, tcp or auto (QUIC beside TCP where libmsquic is available, TCP alone elsewhere).",
            DefaultValueFactory = _ => "auto",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("auto", "quic", "tcp");
        return option;
    }

    public static TransportProvider ParseTransport(string text) => text switch
    {
        "quic" => TransportProvider.Quic,
        "tcp" => TransportProvider.TcpTls,
        _ => TransportProvider.Auto,
    };
}
