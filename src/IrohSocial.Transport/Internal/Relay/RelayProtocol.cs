using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>What a client asks of the relay in its signed hello.</summary>
internal enum RelayRequest : byte
{
    /// <summary>Stay reachable: the relay forwards dials for this id over this socket.</summary>
    Register = 0x02,

    /// <summary>Connect this socket to the registered target id.</summary>
    Dial = 0x03,

    /// <summary>This socket answers an <see cref="RelayFrameType.Incoming"/> dial (by its session token).</summary>
    Accept = 0x04,
}

/// <summary>Frame types the relay sends (first byte of each binary WebSocket message before the splice).</summary>
internal enum RelayFrameType : byte
{
    Challenge = 0x01,
    Registered = 0x10,
    Incoming = 0x11,
    Connected = 0x12,
    Refused = 0x1F,
}

/// <summary>Why the relay refused or ended a socket (docs/protocol.md section 10).</summary>
internal enum RelayRefusal : byte
{
    /// <summary>The hello's signature does not verify (wrong key, another relay's id, an old challenge).</summary>
    BadSignature = 1,

    /// <summary>The relay's allow-list does not admit this id.</summary>
    NotAllowed = 2,

    /// <summary>The dialed id is not registered on this relay.</summary>
    NotFound = 3,

    /// <summary>Too many requests from this id; try again later.</summary>
    RateLimited = 4,

    /// <summary>This id, or the dialed one, has too many relayed sessions.</summary>
    TooManySessions = 5,

    /// <summary>Too many sockets from this IP address.</summary>
    TooManySockets = 6,

    /// <summary>No valid hello within the handshake timeout.</summary>
    HandshakeTimeout = 7,

    /// <summary>A newer registration for the same id replaced this one.</summary>
    Replaced = 8,

    /// <summary>The relay is shutting down; come back later (with backoff).</summary>
    ShuttingDown = 9,

    /// <summary>A malformed frame.</summary>
    ProtocolViolation = 10,

    /// <summary>A WebSocket message larger than the relay's limit.</summary>
    MessageTooLarge = 11,

    /// <summary>The target did not accept the dial in time.</summary>
    PeerUnreachable = 12,

    /// <summary>The session token of an accept is unknown or expired, or the accepting id is not the target.</summary>
    UnknownSession = 13,

    /// <summary>The session or registration saw no traffic within the idle timeout.</summary>
    IdleTimeout = 14,
}

/// <summary>
/// The relay wire format (docs/protocol.md section 10): each control frame is one binary WebSocket message whose first
/// byte is its type. After <see cref="RelayFrameType.Connected"/> the socket carries the peer's bytes unchanged.
/// </summary>
internal static class RelayProtocol
{
    public const byte Version = 1;
    public const int ChallengeSize = 32;
    public const int SessionTokenSize = 16;
    public const int SignatureSize = 64;

    /// <summary>Control frames are tiny; anything larger before the splice is a violation.</summary>
    public const int MaxControlFrame = 512;

    /// <summary>Longest reason text in a <see cref="RelayFrameType.Refused"/> frame, in UTF-8 bytes.</summary>
    public const int MaxReasonBytes = 256;

    /// <summary>The path relays serve by default.</summary>
    public const string DefaultPath = "/relay";

    /// <summary>Domain separation of the hello signature.</summary>
    public static ReadOnlySpan<byte> SignatureLabel => "iroh-social-relay/1 hello"u8;

    public static byte[] EncodeChallenge(EndpointId relayId, ReadOnlySpan<byte> challenge)
    {
        var frame = new byte[2 + EndpointId.Size + ChallengeSize];
        frame[0] = (byte)RelayFrameType.Challenge;
        frame[1] = Version;
        relayId.CopyTo(frame.AsSpan(2));
        challenge.CopyTo(frame.AsSpan(2 + EndpointId.Size));
        return frame;
    }

    public static bool TryDecodeChallenge(ReadOnlySpan<byte> frame, out EndpointId relayId, out byte[] challenge)
    {
        relayId = default;
        challenge = [];
        if (frame.Length != 2 + EndpointId.Size + ChallengeSize || frame[0] != (byte)RelayFrameType.Challenge || frame[1] != Version)
        {
            return false;
        }

        relayId = new EndpointId(frame.Slice(2, EndpointId.Size));
        challenge = frame[(2 + EndpointId.Size)..].ToArray();
        return true;
    }

    /// <summary>A hello: <c>[request][32 client id][64 signature][body]</c>, body = target id (dial), token (accept) or nothing.</summary>
    public static byte[] EncodeHello(SecretKey identity, EndpointId relayId, ReadOnlySpan<byte> challenge, RelayRequest request, ReadOnlySpan<byte> body)
    {
        var frame = new byte[1 + EndpointId.Size + SignatureSize + body.Length];
        frame[0] = (byte)request;
        identity.PublicKey.CopyTo(frame.AsSpan(1));
        body.CopyTo(frame.AsSpan(1 + EndpointId.Size + SignatureSize));
        var signed = SignedBytes(relayId, challenge, frame);
        identity.Sign(signed, frame.AsSpan(1 + EndpointId.Size, SignatureSize));
        return frame;
    }

    /// <summary>label || relay id || challenge || the hello without its signature.</summary>
    public static byte[] SignedBytes(EndpointId relayId, ReadOnlySpan<byte> challenge, ReadOnlySpan<byte> hello)
    {
        var unsigned = hello.Length - SignatureSize;
        var bytes = new byte[SignatureLabel.Length + EndpointId.Size + challenge.Length + unsigned];
        var span = bytes.AsSpan();
        SignatureLabel.CopyTo(span);
        span = span[SignatureLabel.Length..];
        relayId.CopyTo(span);
        span = span[EndpointId.Size..];
        challenge.CopyTo(span);
        span = span[challenge.Length..];
        hello[..(1 + EndpointId.Size)].CopyTo(span);
        hello[(1 + EndpointId.Size + SignatureSize)..].CopyTo(span[(1 + EndpointId.Size)..]);
        return bytes;
    }

    public static int BodySize(RelayRequest request) => request switch
    {
        RelayRequest.Register => 0,
        RelayRequest.Dial => EndpointId.Size,
        RelayRequest.Accept => SessionTokenSize,
        _ => -1,
    };

    /// <summary>Parses a hello and checks its signature; the reason is set when it returns false.</summary>
    public static bool TryDecodeHello(ReadOnlySpan<byte> frame, EndpointId relayId, ReadOnlySpan<byte> challenge,
        out RelayRequest request, out EndpointId clientId, out byte[] body, out RelayRefusal reason)
    {
        request = default;
        clientId = default;
        body = [];
        reason = RelayRefusal.ProtocolViolation;
        if (frame.Length < 1 + EndpointId.Size + SignatureSize || !Enum.IsDefined((RelayRequest)frame[0]))
        {
            return false;
        }

        request = (RelayRequest)frame[0];
        if (frame.Length != 1 + EndpointId.Size + SignatureSize + BodySize(request))
        {
            return false;
        }

        clientId = new EndpointId(frame.Slice(1, EndpointId.Size));
        var signature = frame.Slice(1 + EndpointId.Size, SignatureSize);
        if (!clientId.Verify(SignedBytes(relayId, challenge, frame), signature))
        {
            reason = RelayRefusal.BadSignature;
            return false;
        }

        body = frame[(1 + EndpointId.Size + SignatureSize)..].ToArray();
        return true;
    }

    public static byte[] EncodeRegistered() => [(byte)RelayFrameType.Registered];

    public static byte[] EncodeIncoming(EndpointId dialer, ReadOnlySpan<byte> token)
    {
        var frame = new byte[1 + EndpointId.Size + SessionTokenSize];
        frame[0] = (byte)RelayFrameType.Incoming;
        dialer.CopyTo(frame.AsSpan(1));
        token.CopyTo(frame.AsSpan(1 + EndpointId.Size));
        return frame;
    }

    public static byte[] EncodeConnected(EndpointId peer)
    {
        var frame = new byte[1 + EndpointId.Size];
        frame[0] = (byte)RelayFrameType.Connected;
        peer.CopyTo(frame.AsSpan(1));
        return frame;
    }

    /// <summary><c>[0x1F][reason][u16 length][UTF-8 text]</c>; the text is cut to <see cref="MaxReasonBytes"/>.</summary>
    public static byte[] EncodeRefused(RelayRefusal reason, string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var length = Math.Min(utf8.Length, MaxReasonBytes);
        var frame = new byte[4 + length];
        frame[0] = (byte)RelayFrameType.Refused;
        frame[1] = (byte)reason;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
        utf8.AsSpan(0, length).CopyTo(frame.AsSpan(4));
        return frame;
    }

    public static bool TryDecodeRefused(ReadOnlySpan<byte> frame, out RelayRefusal reason, out string text)
    {
        reason = default;
        text = string.Empty;
        if (frame.Length < 4 || frame[0] != (byte)RelayFrameType.Refused)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(frame[2..]);
        if (length > MaxReasonBytes || frame.Length != 4 + length)
        {
            return false;
        }

        reason = (RelayRefusal)frame[1];
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(frame[4..]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        return true;
    }

    public static byte[] NewChallenge() => RandomNumberGenerator.GetBytes(ChallengeSize);

    public static byte[] NewSessionToken() => RandomNumberGenerator.GetBytes(SessionTokenSize);
}
