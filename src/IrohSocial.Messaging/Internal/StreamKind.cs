namespace IrohSocial.Messaging.Internal;

/// <summary>First byte of every stream the opener writes on a DM connection.</summary>
internal enum StreamKind : byte
{
    /// <summary>Envelope frames from the opener, acknowledgement envelopes back.</summary>
    Envelopes = 0x01,

    /// <summary>One attachment: a header frame then encrypted chunk frames.</summary>
    Attachment = 0x02,
}
