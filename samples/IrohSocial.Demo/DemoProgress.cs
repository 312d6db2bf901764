using System.Diagnostics;

namespace IrohSocial.Demo;

/// <summary>The demo's console output: numbered-by-time steps and indented details.</summary>
internal sealed class DemoProgress(TextWriter output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Step(string text) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,5:0.0}s] {text}");

    public void Detail(string text) => output.WriteLine($"         {text}");
}
