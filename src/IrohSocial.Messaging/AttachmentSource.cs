namespace IrohSocial.Messaging;

/// <summary>A file to attach to an outgoing message.</summary>
public sealed class AttachmentSource
{
    private readonly Func<Stream> _open;

    private AttachmentSource(string name, string mimeType, Func<Stream> open)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(mimeType);
        Name = name;
        MimeType = mimeType;
        _open = open;
    }

    /// <summary>File name shown to the receiver.</summary>
    public string Name { get; }

    /// <summary>Media type, e.g. <c>image/png</c>.</summary>
    public string MimeType { get; }

    /// <summary>Receives upload progress (bytes sent so far) while the bytes go out.</summary>
    public IProgress<AttachmentProgress>? Progress { get; private init; }

    /// <summary>The same attachment, reporting upload progress to <paramref name="progress"/>.</summary>
    public AttachmentSource WithProgress(IProgress<AttachmentProgress> progress) => new(Name, MimeType, _open) { Progress = progress };

    /// <summary>An attachment read from a file (opened once to hash, once to send).</summary>
    public static AttachmentSource FromFile(string path, string mimeType, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new AttachmentSource(name ?? System.IO.Path.GetFileName(path), mimeType, () => File.OpenRead(path));
    }

    /// <summary>An attachment from memory.</summary>
    public static AttachmentSource FromBytes(string name, string mimeType, ReadOnlyMemory<byte> bytes) =>
        new(name, mimeType, () => new MemoryStream(bytes.ToArray(), writable: false));

    /// <summary>
    /// An attachment read from streams the caller opens: once to hash, once to send. Both must yield the same
    /// bytes; otherwise the receiver's hash check rejects the upload.
    /// </summary>
    public static AttachmentSource FromStream(string name, string mimeType, Func<Stream> openRead)
    {
        ArgumentNullException.ThrowIfNull(openRead);
        return new AttachmentSource(name, mimeType, openRead);
    }

    internal Stream OpenRead() => _open();
}

/// <summary>Progress of one attachment transfer.</summary>
/// <param name="MessageId">The message it belongs to.</param>
/// <param name="AttachmentId">The attachment.</param>
/// <param name="BytesTransferred">Bytes sent or received so far.</param>
/// <param name="TotalBytes">Announced size.</param>
public readonly record struct AttachmentProgress(string MessageId, string AttachmentId, long BytesTransferred, long TotalBytes);
