using System.CommandLine;
using IrohSocial.Demo;

var data = new Option<string?>("--data") { Description = "Keep both stores in this folder (default: a temp folder that is removed)." };
var output = new Option<string>("--out") { Description = "Where received.wav, received.ivf and summary.json go.", DefaultValueFactory = _ => "demo-out" };
var message = new Option<string>("--message") { Description = "Text of the first message.", DefaultValueFactory = _ => new DemoOptions().Message };
var audioIn = new Option<string?>("--audio-in") { Description = "WAV file Alice speaks into the call (default: a generated signal)." };
var speech = new Option<bool>("--speech") { Description = "Without --audio-in: a synthetic talker (voiced and unvoiced syllables, pauses) instead of a tone." };
var videoIn = new Option<string?>("--video-in") { Description = "Y4M file Alice shows in the call (default: a generated test pattern)." };
var seconds = new Option<double>("--seconds") { Description = "Call length in seconds.", DefaultValueFactory = _ => 5 };
var noVideo = new Option<bool>("--no-video") { Description = "Audio-only call (no libvpx needed)." };
var transport = new Option<string>("--transport")
{
    Description = "quic, tcp or auto (QUIC beside TCP where libmsquic is available, TCP alone elsewhere).",
    DefaultValueFactory = _ => "auto",
};
transport.AcceptOnlyFromAmong("auto", "quic", "tcp");
seconds.Validators.Add(r =>
{
    if (r.GetValueOrDefault<double>() is <= 0 or > 3600)
    {
        r.AddError("--seconds must be between 0 and 3600.");
    }
});

var root = new RootCommand("IrohSocial demo: two peers on loopback exchange encrypted messages, an attachment and a call.")
{
    data, output, message, audioIn, speech, videoIn, seconds, noVideo, transport,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var options = new DemoOptions
    {
        DataDirectory = parse.GetValue(data),
        OutputDirectory = parse.GetValue(output)!,
        Message = parse.GetValue(message)!,
        AudioInput = parse.GetValue(audioIn),
        Speech = parse.GetValue(speech),
        VideoInput = parse.GetValue(videoIn),
        CallDuration = TimeSpan.FromSeconds(parse.GetValue(seconds)),
        NoVideo = parse.GetValue(noVideo),
        Transport = parse.GetValue(transport) switch
        {
            "quic" => IrohSocial.Transport.TransportProvider.Quic,
            "tcp" => IrohSocial.Transport.TransportProvider.TcpTls,
            _ => IrohSocial.Transport.TransportProvider.Auto,
        },
    };
    return await new DemoRunner(options, Console.Out).RunAsync(cancellationToken);
});
return await root.Parse(args).InvokeAsync();
