namespace IrohSocial.Messaging;

/// <summary>What went wrong in a <see cref="MessagingException"/>.</summary>
public enum MessagingError
{
    /// <summary>A frame announced a length above the limit (or zero); it was not read.</summary>
    FrameTooLarge = 1,

    /// <summary>The stream ended inside a frame or sent an unknown stream kind.</summary>
    MalformedFrame = 2,

    /// <summary>The envelope JSON is not valid or misses fields.</summary>
    MalformedEnvelope = 3,

    /// <summary>The envelope names a sender other than the TLS-proven remote identity.</summary>
    SenderMismatch = 4,

    /// <summary>The envelope did not decrypt (tampered, replayed or from an unknown session).</summary>
    DecryptionFailed = 5,

    /// <summary>The decrypted control is not valid JSON or has an unknown type.</summary>
    MalformedControl = 6,

    /// <summary>The peer could not be reached, or the connection broke before the acknowledgement.</summary>
    PeerUnreachable = 7,

    /// <summary>No address is known for the peer (call <see cref="DmClient.AddPeer"/> first).</summary>
    UnknownPeer = 8,

    /// <summary>An attachment or message is larger than the configured limit.</summary>
    TooLarge = 9,

    /// <summary>
    /// An attachment upload was refused: the bytes did not match the announced SHA-256 or size, or the receiver
    /// would not take it (over its size limit, or no message of its announced it).
    /// </summary>
    AttachmentCorrupt = 10,

    /// <summary>The peer did not acknowledge in time.</summary>
    Timeout = 11,

    /// <summary>No received attachment is stored under that peer, message and attachment id.</summary>
    AttachmentNotFound = 12,

    /// <summary>A group update was refused: not allowed for the local member, or it does not apply to the group's state.</summary>
    GroupUpdateRefused = 30,

    /// <summary>No group with that id is known here.</summary>
    UnknownGroup = 31,

    /// <summary>The local user is not (or no longer) a member of the group.</summary>
    NotGroupMember = 32,

    /// <summary>The store does not implement <see cref="Storage.IGroupStore"/>, so groups are unavailable.</summary>
    GroupsUnsupported = 33,

    /// <summary>
    /// A backup file is not one (bad magic, unsupported version or parameters) or is damaged: a chunk failed
    /// authentication, chunks are missing or out of order, or bytes follow the last one. Nothing was imported.
    /// </summary>
    BackupInvalid = 20,

    /// <summary>The passphrase does not open the backup (or its header was altered). Nothing was imported.</summary>
    BackupWrongPassphrase = 21,

    /// <summary>The backup belongs to another identity; its conversations would be attributed wrongly. Nothing was imported.</summary>
    BackupWrongIdentity = 22,
}

/// <summary>The one exception type of IrohSocial.Messaging.</summary>
public sealed class MessagingException : Exception
{
    /// <summary>Creates an exception with an error code.</summary>
    public MessagingException(MessagingError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    /// <summary>The error code.</summary>
    public MessagingError Error { get; }
}
