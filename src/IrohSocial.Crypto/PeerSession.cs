using System.Security.Cryptography;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// All ratchet state with one remote peer: the X3DH-style setup, the Double Ratchet, simultaneous
/// first contact and recovery when the peer lost its state. Methods are serialized by an internal lock.
/// </summary>
/// <remarks>
/// <para>Simultaneous first contact: when both sides sent first messages before either received one,
/// the session started by the peer with the smaller <see cref="EndpointId"/> (byte order) wins on both
/// sides. The loser adopts the winner's session and drops its own; the winner keeps the loser's session
/// as a receive-only secondary, so the loser's first messages still decrypt. This relies on a peer's
/// messages arriving in the order they were sent until the first reply (the outbox keeps per-peer
/// order): a loser's first message that arrives after the winner already saw the loser's reply is
/// indistinguishable from a restart and is treated as one.</para>
/// <para>State loss: a message with setup data for an unknown setup key, arriving while an established
/// session exists, means the peer started over; the new session replaces the old one and
/// <c>sessionReset</c> is reported. Every setup key ever seen is remembered (as a 16-byte hash, kept
/// across <see cref="StartOver"/>), so a replayed first message can never restart a session.</para>
/// </remarks>
public sealed class PeerSession : IDisposable
{
    private const int KeySize = RatchetConstants.KeySize;
    private const int SetupKeyHashSize = 16;

    private readonly Lock _gate = new();
    private readonly IRandomSource _random;
    private readonly IRandomSource _nonces;
    private readonly EndpointId _local;
    // The identity's X25519 scalar, in read-only libsodium guarded memory (off the GC heap) like the seed itself.
    private readonly GuardedMemory _localPrivate;
    private readonly byte[] _localPublic = new byte[KeySize];
    private readonly byte[] _remotePublic = new byte[KeySize];
    // Hashes of every setup key that ever started a session with this peer, in arrival order. Uncapped and
    // carried over by StartOver, so no reset makes an old first message acceptable again.
    private readonly List<UInt128> _seenSetupKeys = [];
    private readonly HashSet<UInt128> _seenSetupKeySet = [];
    private RatchetState? _primary;
    private RatchetState? _secondary;
    private bool _disposed;

    private PeerSession(SecretKey local, EndpointId remote, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (local.PublicKey == remote)
        {
            throw new ArgumentException("A session needs two different identities.", nameof(remote));
        }

        Span<byte> remoteEd = stackalloc byte[EndpointId.Size];
        remote.CopyTo(remoteEd);
        if (!KeyConversion.TryConvertPublicKey(remoteEd, _remotePublic))
        {
            throw new RatchetException(RatchetError.InvalidRemoteIdentity, "The remote endpoint id is not a usable ed25519 public key.");
        }

        Span<byte> localPrivate = stackalloc byte[KeySize];
        try
        {
            using (var seed = local.ReadSeed())
            {
                KeyConversion.ConvertSeed(seed.Span, localPrivate);
            }

            X25519.PublicKeyFromPrivate(localPrivate, _localPublic);
            _localPrivate = GuardedMemory.Create(localPrivate);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(localPrivate);
        }

        _local = local.PublicKey;
        _random = random;
        // Production nonces come from the encrypting thread's pool (one getrandom per 85 messages, whichever
        // sessions send them); an injected test source is used as it is, so known answers keep drawing key pairs and
        // nonces in one order.
        _nonces = random is SodiumRandom ? NoncePool.PerThread : random;
        Remote = remote;
    }

    /// <summary>The peer this session talks to.</summary>
    public EndpointId Remote { get; }

    /// <summary>
    /// Whether the current session has received a message from the peer. Until then every message
    /// this side sends carries the setup data (<see cref="RatchetHeader.SetupEphemeralKey"/>).
    /// </summary>
    public bool HasReceived
    {
        get
        {
            lock (_gate)
            {
                return _primary?.HasReceived ?? false;
            }
        }
    }

    /// <summary>For tests: the current state and the last failure reason.</summary>
    internal RatchetState? Primary => _primary;

    internal RatchetState? Secondary => _secondary;

    internal DecryptFailure LastFailure { get; private set; }

    /// <summary>
    /// Whether the last failed <see cref="TryDecrypt"/> was a message of a session this side does not have
    /// (no setup data and no session that could have received it): the sign that we lost our state, the only
    /// failure worth telling the peer about. Replays, tampering and malformed input are not.
    /// </summary>
    public bool LastFailureMeansLostState
    {
        get
        {
            lock (_gate)
            {
                return _lastFailureMeansLostState;
            }
        }
    }

    private bool _lastFailureMeansLostState;

    /// <summary>Creates an empty session with <paramref name="remote"/>; the first <see cref="Encrypt"/> starts it.</summary>
    /// <exception cref="ArgumentException"><paramref name="remote"/> is the local identity.</exception>
    /// <exception cref="RatchetException"><see cref="RatchetError.InvalidRemoteIdentity"/>: the id is not a usable ed25519 key.</exception>
    public static PeerSession Create(SecretKey local, EndpointId remote) => new(local, remote, SodiumRandom.Instance);

    /// <summary>Test hook: a session whose key pairs and nonces come from <paramref name="random"/>.</summary>
    internal static PeerSession Create(SecretKey local, EndpointId remote, IRandomSource random) => new(local, remote, random);

    /// <summary>Encrypts one message for the peer (starting the session if there is none yet).</summary>
    /// <exception cref="RatchetException"><see cref="RatchetError.ChainExhausted"/> after 2^32 - 1 messages without a reply.</exception>
    public RatchetMessage Encrypt(ReadOnlySpan<byte> plaintext)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_primary is null)
            {
                using var localPrivate = _localPrivate.Read();
                _primary = RatchetState.CreateInitiator(localPrivate.Span, _remotePublic, _local, Remote, _random);
            }

            return _primary.Encrypt(plaintext, _local, Remote, _random, _nonces);
        }
    }

    /// <summary>
    /// Decrypts a message from the peer. Works on temporaries and commits only on success: a replayed,
    /// tampered, foreign or undecryptable message returns <see langword="false"/> and leaves the state untouched.
    /// </summary>
    /// <param name="message">The received message.</param>
    /// <param name="plaintext">The decrypted payload, or empty on failure.</param>
    /// <param name="sessionReset"><see langword="true"/> when the peer started a brand-new session
    /// (it lost its state) that replaced an established one; messages sent earlier on the old session
    /// will not decrypt on the peer and may need re-sending.</param>
    public bool TryDecrypt(RatchetMessage message, out byte[] plaintext, out bool sessionReset)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Decided before decrypting: a message without setup data while we have no session that could have received it.
            var unplaceable = message.Header is { SetupEphemeralKey: null } && (_primary is null || (_primary.IsInitiator && !_primary.HasReceived));
            var ok = TryDecryptLocked(message, out plaintext, out sessionReset);
            if (ok)
            {
                LastFailure = DecryptFailure.None;
            }

            _lastFailureMeansLostState = !ok && unplaceable && LastFailure != DecryptFailure.MalformedMessage;

            return ok;
        }
    }

    private bool TryDecryptLocked(RatchetMessage message, out byte[] plaintext, out bool sessionReset)
    {
        plaintext = [];
        sessionReset = false;
        if (message.Header is null || !message.Header.HasValidShape)
        {
            return Fail(DecryptFailure.MalformedMessage);
        }

        var setupKey = message.Header.SetupEphemeralKey;
        if (setupKey is null)
        {
            return _primary is null ? Fail(DecryptFailure.UnknownSession) : Track(_primary, _primary.TryDecrypt(message, Remote, _local, out plaintext));
        }

        if (_primary is not null && _primary.SetupKey.AsSpan().SequenceEqual(setupKey))
        {
            // Our own session's setup key reflected back is not a message from the peer.
            return _primary.IsInitiator ? Fail(DecryptFailure.UnknownSession) : Track(_primary, _primary.TryDecrypt(message, Remote, _local, out plaintext));
        }

        if (_secondary is not null && _secondary.SetupKey.AsSpan().SequenceEqual(setupKey))
        {
            return Track(_secondary, _secondary.TryDecrypt(message, Remote, _local, out plaintext));
        }

        if (_seenSetupKeySet.Contains(SetupKeyHash(setupKey)))
        {
            return Fail(DecryptFailure.Replay);
        }

        // New sessions use setup version 2; a first message that only opens under version 1 comes from a peer
        // that still sets up the original way (its sessions keep working; the AD binds both ids either way).
        RatchetState? candidate = null;
        foreach (var version in (ReadOnlySpan<int>)[RatchetConstants.SetupVersion2, RatchetConstants.SetupVersion1])
        {
            using var localPrivate = _localPrivate.Read();
            candidate = RatchetState.TryCreateResponder(localPrivate.Span, _localPublic, _remotePublic, setupKey, _local, Remote, version);
            if (candidate is null)
            {
                return Fail(DecryptFailure.InvalidRatchetKey);
            }

            if (candidate.TryDecrypt(message, Remote, _local, out plaintext))
            {
                break;
            }

            LastFailure = candidate.LastFailure;
            candidate.Dispose();
            candidate = null;
            if (LastFailure != DecryptFailure.AuthenticationFailed)
            {
                // Shape and limit failures do not depend on the setup version.
                return false;
            }
        }

        if (candidate is null)
        {
            return false;
        }

        RememberSetupKey(setupKey);
        if (_primary is null)
        {
            _primary = candidate;
        }
        else if (_primary.IsInitiator && !_primary.HasReceived)
        {
            // Both sides started a session: the smaller endpoint id's session wins on both sides.
            if (Remote.CompareTo(_local) < 0)
            {
                ReplacePrimary(candidate);
            }
            else
            {
                _secondary?.Dispose();
                _secondary = candidate;
            }
        }
        else
        {
            // The peer started over while we had an established session: it lost its state.
            ReplacePrimary(candidate);
            sessionReset = true;
        }

        return true;
    }

    private void ReplacePrimary(RatchetState candidate)
    {
        _primary?.Dispose();
        _secondary?.Dispose();
        _secondary = null;
        _primary = candidate;
    }

    private void RememberSetupKey(ReadOnlySpan<byte> setupKey) => RememberHash(SetupKeyHash(setupKey));

    private void RememberHash(UInt128 hash)
    {
        if (_seenSetupKeySet.Add(hash))
        {
            _seenSetupKeys.Add(hash);
        }
    }

    /// <summary>First 16 bytes of SHA-256(setup key), big-endian: enough to recognise a key, half the space.</summary>
    private static UInt128 SetupKeyHash(ReadOnlySpan<byte> setupKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(setupKey, hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>
    /// A new, empty session with the same peer that keeps the memory of every setup key seen so far: what a
    /// local reset (the peer reported it lost our session) must use, so old first messages stay refused.
    /// </summary>
    /// <param name="local">This side's identity (the one the session was created with).</param>
    /// <exception cref="ArgumentException"><paramref name="local"/> is another identity.</exception>
    public PeerSession StartOver(SecretKey local)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (local.PublicKey != _local)
        {
            throw new ArgumentException("The session belongs to another local identity.", nameof(local));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var fresh = new PeerSession(local, Remote, _random);
            foreach (var hash in _seenSetupKeys)
            {
                fresh.RememberHash(hash);
            }

            return fresh;
        }
    }

    private bool Track(RatchetState state, bool ok)
    {
        if (!ok)
        {
            LastFailure = state.LastFailure;
        }

        return ok;
    }

    private bool Fail(DecryptFailure failure)
    {
        LastFailure = failure;
        return false;
    }

    /// <summary>
    /// Serializes the whole session (versioned binary; layout in docs/protocol.md). The result holds
    /// secret keys: store it sealed (<see cref="AtRestSealer"/>) and wipe the array after use.
    /// </summary>
    public byte[] Serialize()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var size = 1 + (2 * EndpointId.Size) + 4 + (_seenSetupKeys.Count * SetupKeyHashSize)
                + 1 + (_primary?.SerializedSize ?? 0) + 1 + (_secondary?.SerializedSize ?? 0);
            var result = new byte[size];
            var writer = new SpanWriter(result);
            writer.WriteByte(RatchetConstants.StateFormatVersion);
            Span<byte> id = stackalloc byte[EndpointId.Size];
            _local.CopyTo(id);
            writer.Write(id);
            Remote.CopyTo(id);
            writer.Write(id);
            writer.WriteUInt32((uint)_seenSetupKeys.Count);
            Span<byte> hash = stackalloc byte[SetupKeyHashSize];
            foreach (var key in _seenSetupKeys)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(hash, key);
                writer.Write(hash);
            }

            WriteOptional(ref writer, _primary);
            WriteOptional(ref writer, _secondary);
            return result;
        }
    }

    private static void WriteOptional(ref SpanWriter writer, RatchetState? state)
    {
        writer.WriteByte(state is null ? (byte)0 : (byte)1);
        state?.WriteTo(ref writer);
    }

    /// <summary>Restores a session written by <see cref="Serialize"/> for the identity <paramref name="local"/>.</summary>
    /// <exception cref="RatchetException">The data is truncated or inconsistent (<see cref="RatchetError.InvalidState"/>),
    /// from a newer format (<see cref="RatchetError.UnsupportedVersion"/>), or belongs to another identity
    /// (<see cref="RatchetError.WrongIdentity"/>).</exception>
    public static PeerSession Deserialize(SecretKey local, ReadOnlySpan<byte> data) => Deserialize(local, data, SodiumRandom.Instance);

    /// <summary>Test hook: restore with injected randomness.</summary>
    internal static PeerSession Deserialize(SecretKey local, ReadOnlySpan<byte> data, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(local);
        var reader = new SpanReader(data);
        var version = reader.ReadByte();
        if (version is not (RatchetConstants.StateFormatVersion or RatchetConstants.StateFormatVersion1))
        {
            throw new RatchetException(RatchetError.UnsupportedVersion, $"Unsupported session format version {version}.");
        }

        if (new EndpointId(reader.ReadBytes(EndpointId.Size)) != local.PublicKey)
        {
            throw new RatchetException(RatchetError.WrongIdentity, "The session belongs to another local identity.");
        }

        var remote = new EndpointId(reader.ReadBytes(EndpointId.Size));
        if (remote == local.PublicKey)
        {
            throw SpanReader.Invalid("remote equals local");
        }

        var session = new PeerSession(local, remote, random);
        try
        {
            if (version == RatchetConstants.StateFormatVersion1)
            {
                // Format 1 kept at most 32 raw setup keys; they become hashes in the uncapped set.
                int seen = reader.ReadByte();
                if (seen > RatchetConstants.MaxRememberedSetupKeysV1)
                {
                    throw SpanReader.Invalid("too many remembered setup keys");
                }

                for (var i = 0; i < seen; i++)
                {
                    session.RememberSetupKey(reader.ReadBytes(KeySize));
                }
            }
            else
            {
                var seen = reader.ReadUInt32();
                if (seen > (uint)(reader.Remaining / SetupKeyHashSize))
                {
                    throw SpanReader.Invalid("more remembered setup keys than bytes");
                }

                for (var i = 0u; i < seen; i++)
                {
                    var hash = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(reader.ReadBytes(SetupKeyHashSize));
                    if (!session._seenSetupKeySet.Add(hash))
                    {
                        throw SpanReader.Invalid("duplicate remembered setup key");
                    }

                    session._seenSetupKeys.Add(hash);
                }
            }

            session._primary = ReadOptional(ref reader);
            session._secondary = ReadOptional(ref reader);
            if (session._secondary is { IsInitiator: true } || (session._secondary is not null && session._primary is null))
            {
                throw SpanReader.Invalid("secondary session must be a responder next to a primary");
            }

            if (!reader.AtEnd)
            {
                throw SpanReader.Invalid("trailing bytes");
            }

            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static RatchetState? ReadOptional(ref SpanReader reader) => reader.ReadByte() switch
    {
        0 => null,
        1 => RatchetState.ReadFrom(ref reader),
        _ => throw SpanReader.Invalid("bad presence byte"),
    };

    /// <summary>Wipes every key of the session.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _localPrivate.Dispose(); // sodium_free wipes it
            _primary?.Dispose();
            _secondary?.Dispose();
            _primary = null;
            _secondary = null;
        }
    }

    /// <summary>Never prints key material.</summary>
    public override string ToString() => $"PeerSession({Remote.ToShortString()}…)";
}
