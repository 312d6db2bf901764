namespace IrohSocial.Messaging.Storage;

/// <summary>Metadata of a file attached to a message. The bytes travel on their own encrypted stream.</summary>
/// <param name="Id">Attachment id, unique within its message.</param>
/// <param name="Name">File name as given by the sender (display only, never used as a path).</param>
/// <param name="MimeType">Media type, e.g. <c>image/png</c>.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the bytes; the receiver verifies it on arrival.</param>
public sealed record MediaAttachment(string Id, string Name, string MimeType, long Size, string Sha256);
