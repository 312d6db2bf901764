namespace IrohSocial.Transport.Internal;

/// <summary>
/// Error codes on the wire. Application codes are 0..2^62-1 (QUIC's varint range) minus a reserved block at the
/// top that the transport itself uses to say why it closed a connection (docs/protocol.md section 4.4).
/// </summary>
internal static class CloseCodes
{
    public const long MaxQuicCode = (1L << 62) - 1;

    /// <summary>First reserved code; reserved code = base + (int)TransportError.</summary>
    public const long ReservedBase = MaxQuicCode - 0xFFFF;

    public static long For(TransportError error) => ReservedBase + (int)error;

    public static bool IsReserved(long code) => code >= ReservedBase && code <= MaxQuicCode;

    /// <summary>Maps a received close code to the error a local caller sees.</summary>
    public static (TransportError Error, long? ApplicationCode) Interpret(long code)
    {
        if (IsReserved(code))
        {
            var error = (TransportError)(code - ReservedBase);
            return (Enum.IsDefined(error) ? error : TransportError.ConnectionClosed, null);
        }

        return (TransportError.ConnectionClosed, code);
    }

    public static void ValidateApplicationCode(long code, string paramName)
    {
        if (code < 0 || code >= ReservedBase)
        {
            throw new ArgumentOutOfRangeException(paramName, code, $"Application error codes are 0 to {ReservedBase - 1}.");
        }
    }

    public static void ValidateStreamCode(long code, string paramName)
    {
        if (code < 0 || code > MaxQuicCode)
        {
            throw new ArgumentOutOfRangeException(paramName, code, "Stream error codes are 0 to 2^62-1.");
        }
    }
}
