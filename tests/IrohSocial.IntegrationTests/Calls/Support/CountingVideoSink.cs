using IrohSocial.Media.Video;

namespace IrohSocial.IntegrationTests.Calls.Support;

/// <summary>Counts decoded frames and remembers the last size.</summary>
internal sealed class CountingVideoSink : IVideoSink
{
    private int _frames;

    public int Frames => Volatile.Read(ref _frames);

    public (int Width, int Height) LastSize { get; private set; }

    public ValueTask WriteFrameAsync(I420Frame frame, CancellationToken cancellationToken = default)
    {
        LastSize = (frame.Width, frame.Height);
        Interlocked.Increment(ref _frames);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
