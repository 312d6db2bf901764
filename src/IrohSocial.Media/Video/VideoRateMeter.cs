namespace IrohSocial.Media.Video;

/// <summary>
/// Measures a video direction for the call's live stats: frames per second, bitrate and the latest resolution over a
/// sliding window. Record every frame sent or decoded; read the properties whenever stats are published. Time comes
/// from the <see cref="TimeProvider"/>. Not thread-safe.
/// </summary>
internal sealed class VideoRateMeter
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private readonly Queue<(long Timestamp, int Bytes)> _frames = new();
    private long _bytesInWindow;

    /// <summary>Creates a meter.</summary>
    /// <param name="window">How far back the rates look (default 2 s).</param>
    /// <param name="timeProvider">The clock.</param>
    public VideoRateMeter(TimeSpan? window = null, TimeProvider? timeProvider = null)
    {
        _window = window ?? TimeSpan.FromSeconds(2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_window, TimeSpan.Zero, nameof(window));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Width of the last recorded frame (0 before any).</summary>
    public int Width { get; private set; }

    /// <summary>Height of the last recorded frame (0 before any).</summary>
    public int Height { get; private set; }

    /// <summary>Frames per second over the window.</summary>
    public double FramesPerSecond
    {
        get
        {
            Trim();
            return _frames.Count / _window.TotalSeconds;
        }
    }

    /// <summary>Video bitrate over the window, kbit/s.</summary>
    public double BitrateKbps
    {
        get
        {
            Trim();
            return _bytesInWindow * 8 / 1000.0 / _window.TotalSeconds;
        }
    }

    /// <summary>Records one frame of <paramref name="bytes"/> compressed bytes at the given size.</summary>
    public void Record(int bytes, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        _frames.Enqueue((_time.GetTimestamp(), bytes));
        _bytesInWindow += bytes;
        Width = width;
        Height = height;
        Trim();
    }

    private void Trim()
    {
        var now = _time.GetTimestamp();
        while (_frames.Count > 0 && _time.GetElapsedTime(_frames.Peek().Timestamp, now) >= _window)
        {
            _bytesInWindow -= _frames.Dequeue().Bytes;
        }
    }
}
