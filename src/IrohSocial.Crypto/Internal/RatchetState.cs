using System.Buffers;
using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>Why the last decrypt attempt failed (for tests and diagnostics; never key material).</summary>
internal enum DecryptFailure
{
    None,
    MalformedMessage,
    Replay,
    TooFarAhead,
    BeyondChainEnd,
    InvalidRatchetKey,
    AuthenticationFailed,
    UnknownSession,

    /// <summary>A second new ratchet key from the peer before we replied: our key for it is already spent (wiped).</summary>
    UnexpectedRatchetKey,
}

/// <summary>
/// The Double Ratchet state of one session (Signal specification, with the setup of DESIGN.md).
/// Decryption computes every new key into temporaries and commits them only after the AEAD tag
/// verified, so a failed decrypt leaves the state exactly as it was (no clone needed).
/// Not thread-safe: <see cref="PeerSession"/> serializes access.
/// </summary>
internal sealed partial class RatchetState : IDisposable
{
    private const int KeySize = RatchetConstants.KeySize;
    private const int MaxAssociatedDataSize = 1 + (2 * EndpointId.Size) + RatchetHeader.SetupSize;

    // Every secret key of the state lives in this arena (libsodium guarded memory, off the GC heap).
    private readonly GuardedKeyArena _keys = new();
    private readonly int _rootKeySlot;
    private int _sendPrivateSlot;
    private readonly int _sendChainKeySlot;
    private byte[] _sendPublic = new byte[KeySize];
    private byte[]? _remoteRatchetKey;
    private bool _hasSendChain;
    private bool _sendRatchetPending;
    private uint _sendNumber;
    private uint _previousSendCount;

    // Newest first; at most MaxReceivingChains.
    private readonly List<ReceivingChain> _chains = [];

    // Every skipped key in the order it was stored: the head is evicted first.
    private readonly LinkedList<SkippedKey> _skipped = new();

    private RatchetState(bool isInitiator, byte[] setupKey)
    {
        IsInitiator = isInitiator;
        SetupKey = setupKey;
        _rootKeySlot = _keys.Allocate();
        _sendPrivateSlot = _keys.Allocate();
        _sendChainKeySlot = _keys.Allocate();
    }

    private Span<byte> RootKey => _keys[_rootKeySlot];

    private Span<byte> SendPrivate => _keys[_sendPrivateSlot];

    private Span<byte> SendChainKey => _keys[_sendChainKeySlot];

    /// <summary>Whether the local side started this session.</summary>
    public bool IsInitiator { get; }

    /// <summary>The initiator's setup ephemeral public key that identifies this session.</summary>
    public byte[] SetupKey { get; }

    /// <summary>Whether a message has been decrypted in this session (for the initiator: the peer replied).</summary>
    public bool HasReceived { get; private set; }

    /// <summary>Number of chain-key steps computed so far (lets tests prove a rejected header derived nothing).</summary>
    public long ChainStepCount { get; private set; }

    /// <summary>Number of skipped keys held.</summary>
    public int SkippedKeyCount => _skipped.Count;

    /// <summary>For tests: the arena slots that hold the skipped keys now (to prove they are wiped when they go).</summary>
    internal IReadOnlyList<int> SkippedKeySlots => [.. _skipped.Select(s => s.Slot)];

    /// <summary>For tests: the guarded arena holding every secret key of this state.</summary>
    internal GuardedKeyArena Keys => _keys;

    /// <summary>Number of receiving chains held.</summary>
    public int ReceivingChainCount => _chains.Count;

    public DecryptFailure LastFailure { get; private set; }

    /// <summary>
    /// Alice's side: fresh ephemeral EK, root = setup(DH(EK, IK_b), DH(IK_a, IK_b)), then a first ratchet
    /// key pair whose DH with IK_b (Bob's first ratchet key) gives the first sending chain.
    /// Randomness is drawn in this order: EK private key (32 bytes), first ratchet private key (32 bytes).
    /// </summary>
    public static RatchetState CreateInitiator(
        ReadOnlySpan<byte> localIdentityPrivate, ReadOnlySpan<byte> remoteIdentityPublic, EndpointId local, EndpointId remote, IRandomSource random)
    {
        Span<byte> ephemeralPrivate = stackalloc byte[KeySize];
        Span<byte> ephemeralPublic = stackalloc byte[KeySize];
        Span<byte> dh1 = stackalloc byte[KeySize];
        Span<byte> dh2 = stackalloc byte[KeySize];
        Span<byte> setupRoot = stackalloc byte[KeySize];
        try
        {
            X25519.GenerateKeyPair(random, ephemeralPrivate, ephemeralPublic);
            if (!X25519.TryAgree(ephemeralPrivate, remoteIdentityPublic, dh1) || !X25519.TryAgree(localIdentityPrivate, remoteIdentityPublic, dh2))
            {
                throw new RatchetException(RatchetError.InvalidRemoteIdentity, "The remote identity key has small order.");
            }

            RatchetKdf.SetupRoot(dh1, dh2, local, remote, RatchetConstants.SetupVersion2, setupRoot);
            var state = new RatchetState(isInitiator: true, ephemeralPublic.ToArray());
            X25519.GenerateKeyPair(random, state.SendPrivate, state._sendPublic);
            if (!X25519.TryAgree(state.SendPrivate, remoteIdentityPublic, dh1))
            {
                state.Dispose();
                throw new RatchetException(RatchetError.InvalidRemoteIdentity, "The remote identity key has small order.");
            }

            RatchetKdf.RootStep(setupRoot, dh1, state.RootKey, state.SendChainKey);
            state._hasSendChain = true;
            state._remoteRatchetKey = remoteIdentityPublic.ToArray();
            return state;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeralPrivate);
            CryptographicOperations.ZeroMemory(dh1);
            CryptographicOperations.ZeroMemory(dh2);
            CryptographicOperations.ZeroMemory(setupRoot);
        }
    }

    /// <summary>
    /// Bob's side, from the setup key of an incoming message: the same root key, and Bob's identity X25519
    /// key pair as his first ratchet key pair, for setup <paramref name="version"/> (the remote side is the
    /// initiator). Returns <see langword="null"/> for a small-order setup key.
    /// </summary>
    public static RatchetState? TryCreateResponder(
        ReadOnlySpan<byte> localIdentityPrivate, ReadOnlySpan<byte> localIdentityPublic, ReadOnlySpan<byte> remoteIdentityPublic, ReadOnlySpan<byte> setupKey,
        EndpointId local, EndpointId remote, int version)
    {
        Span<byte> dh1 = stackalloc byte[KeySize];
        Span<byte> dh2 = stackalloc byte[KeySize];
        try
        {
            if (!X25519.TryAgree(localIdentityPrivate, setupKey, dh1) || !X25519.TryAgree(localIdentityPrivate, remoteIdentityPublic, dh2))
            {
                return null;
            }

            var state = new RatchetState(isInitiator: false, setupKey.ToArray());
            RatchetKdf.SetupRoot(dh1, dh2, remote, local, version, state.RootKey);
            localIdentityPrivate.CopyTo(state.SendPrivate);
            localIdentityPublic.CopyTo(state._sendPublic);
            return state;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh1);
            CryptographicOperations.ZeroMemory(dh2);
        }
    }

    /// <summary>
    /// Encrypts one message. Randomness: a new ratchet private key (32 bytes) from <paramref name="random"/> when a DH
    /// step is due, then the nonce (12 bytes) from <paramref name="nonces"/> (the same source in known-answer tests).
    /// </summary>
    public RatchetMessage Encrypt(ReadOnlySpan<byte> plaintext, EndpointId sender, EndpointId receiver, IRandomSource random, IRandomSource nonces)
    {
        if (_sendRatchetPending)
        {
            SendRatchetStep(random);
        }

        if (!_hasSendChain)
        {
            throw new InvalidOperationException("This session has no sending chain yet.");
        }

        if (_sendNumber == uint.MaxValue)
        {
            throw new RatchetException(RatchetError.ChainExhausted, "The sending chain is exhausted; wait for the peer's reply.");
        }

        Span<byte> messageKey = stackalloc byte[KeySize];
        Span<byte> associatedData = stackalloc byte[MaxAssociatedDataSize];
        try
        {
            var sendChainKey = SendChainKey;
            RatchetKdf.ChainStep(sendChainKey, messageKey, sendChainKey);
            ChainStepCount++;
            // Copies the caller may keep or change (ToArray: Clone would take the runtime's slower generic path).
            var header = new RatchetHeader(
                _sendPublic.AsSpan().ToArray(),
                _sendNumber,
                _previousSendCount,
                IsInitiator && !HasReceived ? SetupKey.AsSpan().ToArray() : null);
            _sendNumber++;

            var nonce = new byte[RatchetMessage.NonceSize];
            nonces.Fill(nonce);
            var adLength = WriteAssociatedData(associatedData, sender, receiver, header);
            var ciphertext = new byte[plaintext.Length + RatchetMessage.TagSize];
            ChaCha20Poly1305Ietf.Encrypt(messageKey, nonce, associatedData[..adLength], plaintext, ciphertext);
            return new RatchetMessage(header, ciphertext, nonce);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(messageKey);
        }
    }

    /// <summary>
    /// Decrypts a message addressed to <paramref name="receiver"/> by <paramref name="sender"/>. On failure
    /// nothing in the state changes (except <see cref="LastFailure"/>).
    /// </summary>
    public bool TryDecrypt(RatchetMessage message, EndpointId sender, EndpointId receiver, out byte[] plaintext)
    {
        plaintext = [];
        var header = message.Header;
        if (!header.HasValidShape || message.Nonce is not { Length: RatchetMessage.NonceSize } || message.Ciphertext is not { Length: >= RatchetMessage.TagSize })
        {
            return Fail(DecryptFailure.MalformedMessage);
        }

        Span<byte> associatedData = stackalloc byte[MaxAssociatedDataSize];
        associatedData = associatedData[..WriteAssociatedData(associatedData, sender, receiver, header)];

        var chain = FindChain(header.RatchetKey);
        var number = header.MessageNumber;
        if (chain is not null)
        {
            if (number < chain.NextNumber)
            {
                return TryDecryptSkipped(chain, message, associatedData, out plaintext);
            }

            if (number >= chain.EndNumber)
            {
                return Fail(DecryptFailure.BeyondChainEnd);
            }

            if (number - chain.NextNumber > RatchetConstants.MaxSkip)
            {
                return Fail(DecryptFailure.TooFarAhead);
            }

            Span<byte> nextChainKey = stackalloc byte[KeySize];
            if (!TryDecryptForward(chain.ChainKey, chain.NextNumber, message, associatedData, nextChainKey, out var skipped, out plaintext))
            {
                return false;
            }

            nextChainKey.CopyTo(chain.ChainKey);
            CryptographicOperations.ZeroMemory(nextChainKey);
            var firstSkipped = chain.NextNumber;
            chain.NextNumber = number + 1;
            StoreSkipped(chain, firstSkipped, skipped);
            HasReceived = true;
            LastFailure = DecryptFailure.None;
            return true;
        }

        // A new ratchet key from the peer: a DH ratchet step. The jump limit is checked before any DH or KDF.
        if (number > RatchetConstants.MaxSkip)
        {
            return Fail(DecryptFailure.TooFarAhead);
        }

        // Our ratchet private key served its last DH at the previous receiving step (the peer can only move to a new
        // key after seeing our next one), so it was wiped then; a peer that lost its state starts over with setup data.
        if (_sendRatchetPending)
        {
            return Fail(DecryptFailure.UnexpectedRatchetKey);
        }

        Span<byte> dh = stackalloc byte[KeySize];
        Span<byte> newRoot = stackalloc byte[KeySize];
        Span<byte> chainKey = stackalloc byte[KeySize];
        try
        {
            if (!X25519.TryAgree(SendPrivate, header.RatchetKey, dh))
            {
                return Fail(DecryptFailure.InvalidRatchetKey);
            }

            RatchetKdf.RootStep(RootKey, dh, newRoot, chainKey);
            Span<byte> nextChainKey = stackalloc byte[KeySize];
            if (!TryDecryptForward(chainKey, 0, message, associatedData, nextChainKey, out var skipped, out plaintext))
            {
                return false;
            }

            // Commit: the previous receiving chain now has a known end (PN), the new chain becomes current.
            if (_chains.Count > 0)
            {
                _chains[0].EndNumber = Math.Min(_chains[0].EndNumber, Math.Max(header.PreviousChainLength, _chains[0].NextNumber));
            }

            var newChain = new ReceivingChain(_keys, header.RatchetKey, nextChainKey, number + 1);
            CryptographicOperations.ZeroMemory(nextChainKey);
            _chains.Insert(0, newChain);
            while (_chains.Count > RatchetConstants.MaxReceivingChains)
            {
                DropChain(_chains[^1]);
            }

            StoreSkipped(newChain, 0, skipped);
            newRoot.CopyTo(RootKey);
            _remoteRatchetKey = header.RatchetKey.AsSpan().ToArray();
            _sendRatchetPending = true;

            // This key pair is done (the next sending step makes a new one): wipe it now rather than at our reply, so
            // neither memory nor a stored state keeps it while we are silent. For the responder's first step it is the
            // copy of our identity X25519 key, which must not outlive the first message.
            CryptographicOperations.ZeroMemory(SendPrivate);
            HasReceived = true;
            LastFailure = DecryptFailure.None;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
            CryptographicOperations.ZeroMemory(newRoot);
            CryptographicOperations.ZeroMemory(chainKey);
        }
    }

    private bool TryDecryptSkipped(ReceivingChain chain, RatchetMessage message, ReadOnlySpan<byte> associatedData, out byte[] plaintext)
    {
        plaintext = [];
        if (!chain.Skipped.TryGetValue(message.Header.MessageNumber, out var node))
        {
            return Fail(DecryptFailure.Replay);
        }

        var output = new byte[message.Ciphertext.Length - RatchetMessage.TagSize];
        if (!ChaCha20Poly1305Ietf.TryDecrypt(_keys[node.Value.Slot], message.Nonce, associatedData, message.Ciphertext, output))
        {
            return Fail(DecryptFailure.AuthenticationFailed);
        }

        RemoveSkipped(node);
        plaintext = output;
        LastFailure = DecryptFailure.None;
        return true;
    }

    /// <summary>
    /// Derives keys from <paramref name="startChainKey"/> (message number <paramref name="startNumber"/>) up to the
    /// message's number into temporaries and decrypts. Skipped keys come back in a pooled buffer the caller stores.
    /// </summary>
    private bool TryDecryptForward(
        ReadOnlySpan<byte> startChainKey, uint startNumber, RatchetMessage message, ReadOnlySpan<byte> associatedData,
        Span<byte> nextChainKey, out SkippedBuffer skipped, out byte[] plaintext)
    {
        plaintext = [];
        var gap = (int)(message.Header.MessageNumber - startNumber);
        skipped = new SkippedBuffer(_keys, gap);
        Span<byte> messageKey = stackalloc byte[KeySize];
        startChainKey.CopyTo(nextChainKey);
        try
        {
            for (var i = 0; i < gap; i++)
            {
                RatchetKdf.ChainStep(nextChainKey, skipped.KeyAt(i), nextChainKey);
            }

            RatchetKdf.ChainStep(nextChainKey, messageKey, nextChainKey);
            ChainStepCount += gap + 1;
            var output = new byte[message.Ciphertext.Length - RatchetMessage.TagSize];
            if (!ChaCha20Poly1305Ietf.TryDecrypt(messageKey, message.Nonce, associatedData, message.Ciphertext, output))
            {
                skipped.Dispose();
                CryptographicOperations.ZeroMemory(nextChainKey);
                return Fail(DecryptFailure.AuthenticationFailed);
            }

            plaintext = output;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(messageKey);
        }
    }

    private void SendRatchetStep(IRandomSource random)
    {
        Span<byte> dh = stackalloc byte[KeySize];
        var newPrivateSlot = _keys.Allocate();
        var newPublic = new byte[KeySize];
        try
        {
            var newPrivate = _keys[newPrivateSlot];
            X25519.GenerateKeyPair(random, newPrivate, newPublic);
            if (!X25519.TryAgree(newPrivate, _remoteRatchetKey, dh))
            {
                // Unreachable for a key that already passed a DH in TryDecrypt; kept as a hard stop.
                throw new CryptographicException("Ratchet DH produced an all-zero secret.");
            }

            var rootKey = RootKey;
            RatchetKdf.RootStep(rootKey, dh, rootKey, SendChainKey);
            _keys.Free(_sendPrivateSlot);
            _sendPrivateSlot = newPrivateSlot;
            _sendPublic = newPublic;
            _previousSendCount = _hasSendChain ? _sendNumber : 0;
            _sendNumber = 0;
            _hasSendChain = true;
            _sendRatchetPending = false;
        }
        catch
        {
            _keys.Free(newPrivateSlot);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    private ReceivingChain? FindChain(byte[] ratchetKey)
    {
        foreach (var chain in _chains)
        {
            if (chain.RatchetKey.AsSpan().SequenceEqual(ratchetKey))
            {
                return chain;
            }
        }

        return null;
    }

    /// <summary>Hands the skipped keys' slots over to the chain (no copy); any not handed over are freed.</summary>
    private void StoreSkipped(ReceivingChain chain, uint firstNumber, SkippedBuffer skipped)
    {
        var stored = 0;
        try
        {
            for (; stored < skipped.Count; stored++)
            {
                AddSkipped(chain, firstNumber + (uint)stored, skipped.SlotAt(stored));
            }
        }
        finally
        {
            skipped.Release(stored);
        }
    }

    private void AddSkipped(ReceivingChain chain, uint number, int slot)
    {
        var node = _skipped.AddLast(new SkippedKey(chain, number, slot));
        chain.Skipped[number] = node;

        // Per-chain cap: drop this chain's oldest key (the first one in eviction order).
        if (chain.Skipped.Count > RatchetConstants.MaxSkip)
        {
            for (var n = _skipped.First; n is not null; n = n.Next)
            {
                if (n.Value.Chain == chain)
                {
                    RemoveSkipped(n);
                    break;
                }
            }
        }

        while (_skipped.Count > RatchetConstants.MaxSkippedTotal)
        {
            RemoveSkipped(_skipped.First!);
        }
    }

    private void RemoveSkipped(LinkedListNode<SkippedKey> node)
    {
        node.Value.Chain.Skipped.Remove(node.Value.Number);
        _skipped.Remove(node);
        _keys.Free(node.Value.Slot);
    }

    private void DropChain(ReceivingChain chain)
    {
        foreach (var node in chain.Skipped.Values.ToArray())
        {
            RemoveSkipped(node);
        }

        _chains.Remove(chain);
        chain.Dispose();
    }

    private bool Fail(DecryptFailure failure)
    {
        LastFailure = failure;
        return false;
    }

    /// <summary>AD = [u8 version][32 sender ed25519 key][32 receiver ed25519 key][encoded header].</summary>
    internal static int WriteAssociatedData(Span<byte> destination, EndpointId sender, EndpointId receiver, RatchetHeader header)
    {
        destination[0] = RatchetMessage.Version;
        sender.CopyTo(destination[1..]);
        receiver.CopyTo(destination[(1 + EndpointId.Size)..]);
        return 1 + (2 * EndpointId.Size) + header.WriteTo(destination[(1 + (2 * EndpointId.Size))..]);
    }

    /// <summary>Wipes every key: the guarded arena is zeroed and unmapped (<c>sodium_free</c>).</summary>
    public void Dispose()
    {
        _skipped.Clear();
        foreach (var chain in _chains)
        {
            chain.Skipped.Clear();
        }

        _chains.Clear();
        _keys.Dispose();
    }

    /// <summary>
    /// Skipped keys derived during one decrypt, each in its own slot of the state's guarded arena: handed over to the
    /// chain on success (<see cref="Release"/>), wiped and freed on failure (<see cref="Dispose"/>).
    /// </summary>
    private readonly struct SkippedBuffer : IDisposable
    {
        private readonly GuardedKeyArena _keys;
        private readonly int[]? _slots; // slot numbers only; the keys never touch the GC heap

        public SkippedBuffer(GuardedKeyArena keys, int count)
        {
            _keys = keys;
            Count = count;
            _slots = count > 0 ? ArrayPool<int>.Shared.Rent(count) : null;
            for (var i = 0; i < count; i++)
            {
                _slots![i] = keys.Allocate();
            }
        }

        public int Count { get; }

        public Span<byte> KeyAt(int index) => _keys[_slots![index]];

        public int SlotAt(int index) => _slots![index];

        /// <summary>Frees the slots from <paramref name="firstNotKept"/> on and returns the slot list.</summary>
        public void Release(int firstNotKept)
        {
            if (_slots is null)
            {
                return;
            }

            for (var i = firstNotKept; i < Count; i++)
            {
                _keys.Free(_slots[i]);
            }

            ArrayPool<int>.Shared.Return(_slots);
        }

        public void Dispose() => Release(0);
    }
}
