using IrohSocial.Crypto;
using IrohSocial.Media.Framing.Internal;

namespace IrohSocial.Media.Framing;

/// <summary>
/// Authenticates and decrypts the frames of one incoming stream, dropping and counting replayed, too-old
/// and unauthentic frames (wrong key, wrong call, tampering). Thread-safe: several streams of one leg may share
/// an opener (one replay window), so a frame replayed on another stream, even concurrently, opens once.
/// </summary>
internal sealed class MediaFrameOpener
{
    /// <summary>Default replay window: 1024 frames, about 20 s of audio.</summary>
    public const int DefaultReplayWindow = 1024;

    private readonly MediaFrameCipher _cipher;
    private readonly ReplayWindow _window;
    private readonly Lock _gate = new();
    private long _opened, _replayed, _tooOld, _unauthentic, _malformed;

    /// <summary>Creates an opener.</summary>
    /// <param name="cipher">The receiving direction's cipher (<see cref="CallKeys.Receive"/>); not owned.</param>
    /// <param name="kind">The stream kind expected, bound into every nonce.</param>
    /// <param name="replayWindow">How many sequences below the highest one are remembered.</param>
    public MediaFrameOpener(MediaFrameCipher cipher, MediaStreamKind kind, int replayWindow = DefaultReplayWindow)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        ArgumentOutOfRangeException.ThrowIfLessThan(replayWindow, 1);
        _cipher = cipher;
        Kind = kind;
        _window = new ReplayWindow(replayWindow);
    }

    /// <summary>The stream kind frames are opened for.</summary>
    public MediaStreamKind Kind { get; }

    /// <summary>Frames opened successfully.</summary>
    public long OpenedFrames => Interlocked.Read(ref _opened);

    /// <summary>Frames dropped because their sequence was already accepted.</summary>
    public long ReplayedFrames => Interlocked.Read(ref _replayed);

    /// <summary>Frames dropped because their sequence fell behind the replay window.</summary>
    public long TooOldFrames => Interlocked.Read(ref _tooOld);

    /// <summary>Frames dropped because they failed authentication (wrong key or call, tampering).</summary>
    public long AuthenticationFailures => Interlocked.Read(ref _unauthentic);

    /// <summary>Frames dropped because they were shorter than a tag or inconsistent with their header.</summary>
    public long MalformedFrames => Interlocked.Read(ref _malformed);

    /// <summary>All frames dropped for any reason.</summary>
    public long DroppedFrames => ReplayedFrames + TooOldFrames + AuthenticationFailures + MalformedFrames;

    /// <summary>Opens a frame read by <see cref="MediaFrameReader"/>.</summary>
    /// <param name="frame">Header and data.</param>
    /// <param name="payload">The plaintext when the result is <see cref="MediaFrameOpenResult.Opened"/>, else empty.</param>
    /// <returns>Whether the frame opened, or why it was dropped.</returns>
    public MediaFrameOpenResult TryOpen(MediaFrame frame, out byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var buffer = new byte[Math.Max(0, frame.Data.Length - MediaFrameCipher.TagSize)];
        MediaFrameOpenResult result = TryOpen(frame.Header, frame.Data.Span, buffer, out int length);
        payload = result == MediaFrameOpenResult.Opened ? buffer[..length] : [];
        return result;
    }

    /// <summary>Opens a frame.</summary>
    /// <param name="header">The clear header (authenticated as associated data).</param>
    /// <param name="data">Ciphertext and tag; must be <c>header.Length</c> bytes.</param>
    /// <param name="payload">Receives the plaintext: at least <c>data.Length - 16</c> bytes.</param>
    /// <param name="payloadLength">Plaintext length when opened.</param>
    /// <returns>Whether the frame opened, or why it was dropped.</returns>
    public MediaFrameOpenResult TryOpen(MediaFrameHeader header, ReadOnlySpan<byte> data, Span<byte> payload, out int payloadLength)
    {
        payloadLength = 0;
        if (data.Length < MediaFrameCipher.TagSize || data.Length != header.Length)
        {
            Interlocked.Increment(ref _malformed);
            return MediaFrameOpenResult.Malformed;
        }

        int length = data.Length - MediaFrameCipher.TagSize;
        if (payload.Length < length)
        {
            throw new ArgumentException($"The payload needs {length} bytes.", nameof(payload));
        }

        // Check, decrypt and commit as one step, or two streams could both pass the check for one sequence.
        lock (_gate)
        {
            return CheckOpenAndCommit(header, data, payload[..length], out payloadLength);
        }
    }

    private MediaFrameOpenResult CheckOpenAndCommit(MediaFrameHeader header, ReadOnlySpan<byte> data, Span<byte> payload, out int payloadLength)
    {
        payloadLength = 0;
        int length = payload.Length;
        switch (_window.Check(header.Sequence))
        {
            case ReplayCheck.Replayed:
                Interlocked.Increment(ref _replayed);
                return MediaFrameOpenResult.Replayed;
            case ReplayCheck.TooOld:
                Interlocked.Increment(ref _tooOld);
                return MediaFrameOpenResult.TooOld;
        }

        Span<byte> ad = stackalloc byte[MediaFrameHeader.Size];
        header.WriteTo(ad);
        if (!_cipher.TryOpen((byte)Kind, header.Sequence, ad, data, payload))
        {
            Interlocked.Increment(ref _unauthentic);
            return MediaFrameOpenResult.AuthenticationFailed;
        }

        // Only an authentic frame may move the window, or a forger could push real frames out of it.
        _window.Commit(header.Sequence);
        Interlocked.Increment(ref _opened);
        payloadLength = length;
        return MediaFrameOpenResult.Opened;
    }
}
