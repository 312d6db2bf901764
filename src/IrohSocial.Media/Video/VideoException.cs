namespace IrohSocial.Media.Video;

/// <summary>The one exception type of the video layer; <see cref="Error"/> says what failed.</summary>
public sealed class VideoException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VideoException(VideoError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>What failed.</summary>
    public VideoError Error { get; }
}
