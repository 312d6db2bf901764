using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>Binary form of one ratchet state (layout in docs/protocol.md, section 3).</summary>
internal sealed partial class RatchetState
{
    [Flags]
    private enum StateFlags : byte
    {
        None = 0,
        Initiator = 1 << 0,
        HasReceived = 1 << 1,
        SendRatchetPending = 1 << 2,
        HasSendChain = 1 << 3,
        HasRemoteRatchetKey = 1 << 4,
    }

    private const StateFlags KnownFlags = StateFlags.Initiator | StateFlags.HasReceived | StateFlags.SendRatchetPending
        | StateFlags.HasSendChain | StateFlags.HasRemoteRatchetKey;

    private const int ChainSize = KeySize + KeySize + 4 + 4;
    private const int SkippedEntrySize = 1 + 4 + KeySize;

    /// <summary>Bytes <see cref="WriteTo"/> writes.</summary>
    public int SerializedSize =>
        1 + (5 * KeySize) + 4 + 4 + (_remoteRatchetKey is null ? 0 : KeySize)
        + 1 + (_chains.Count * ChainSize) + 2 + (_skipped.Count * SkippedEntrySize);

    /// <summary>
    /// <c>[u8 flags][32 setup key][32 root][32 send private][32 send public][32 send chain key][u32 Ns][u32 PN]
    /// [32 remote ratchet key, if flagged][u8 chain count]{[32 ratchet key][32 chain key][u32 next][u32 end]}
    /// [u16 skipped count]{[u8 chain index][u32 number][32 message key]} (skipped keys oldest first)</c>.
    /// </summary>
    public void WriteTo(ref SpanWriter writer)
    {
        var flags = StateFlags.None;
        if (IsInitiator) flags |= StateFlags.Initiator;
        if (HasReceived) flags |= StateFlags.HasReceived;
        if (_sendRatchetPending) flags |= StateFlags.SendRatchetPending;
        if (_hasSendChain) flags |= StateFlags.HasSendChain;
        if (_remoteRatchetKey is not null) flags |= StateFlags.HasRemoteRatchetKey;

        writer.WriteByte((byte)flags);
        writer.Write(SetupKey);
        writer.Write(RootKey);
        writer.Write(SendPrivate);
        writer.Write(_sendPublic);
        writer.Write(SendChainKey);
        writer.WriteUInt32(_sendNumber);
        writer.WriteUInt32(_previousSendCount);
        if (_remoteRatchetKey is not null)
        {
            writer.Write(_remoteRatchetKey);
        }

        writer.WriteByte((byte)_chains.Count);
        foreach (var chain in _chains)
        {
            writer.Write(chain.RatchetKey);
            writer.Write(chain.ChainKey);
            writer.WriteUInt32(chain.NextNumber);
            writer.WriteUInt32(chain.EndNumber);
        }

        writer.WriteUInt16((ushort)_skipped.Count);
        foreach (var skipped in _skipped)
        {
            writer.WriteByte((byte)_chains.IndexOf(skipped.Chain));
            writer.WriteUInt32(skipped.Number);
            writer.Write(_keys[skipped.Slot]);
        }
    }

    /// <summary>Reads a state written by <see cref="WriteTo"/>, checking every count, index and key pair.</summary>
    public static RatchetState ReadFrom(ref SpanReader reader)
    {
        var flags = (StateFlags)reader.ReadByte();
        if ((flags & ~KnownFlags) != 0)
        {
            throw SpanReader.Invalid("unknown state flags");
        }

        var state = new RatchetState(flags.HasFlag(StateFlags.Initiator), reader.ReadBytes(KeySize).ToArray());
        try
        {
            state.HasReceived = flags.HasFlag(StateFlags.HasReceived);
            state._sendRatchetPending = flags.HasFlag(StateFlags.SendRatchetPending);
            state._hasSendChain = flags.HasFlag(StateFlags.HasSendChain);
            reader.ReadBytes(KeySize).CopyTo(state.RootKey);
            reader.ReadBytes(KeySize).CopyTo(state.SendPrivate);
            reader.ReadBytes(KeySize).CopyTo(state._sendPublic);
            reader.ReadBytes(KeySize).CopyTo(state.SendChainKey);
            state._sendNumber = reader.ReadUInt32();
            state._previousSendCount = reader.ReadUInt32();
            if (flags.HasFlag(StateFlags.HasRemoteRatchetKey))
            {
                state._remoteRatchetKey = reader.ReadBytes(KeySize).ToArray();
            }

            // With a sending step pending the private key is spent: stored as zeros (older builds kept it; it is
            // checked and then wiped). Otherwise it must match the public key.
            var spent = state._sendRatchetPending && !state.SendPrivate.ContainsAnyExcept((byte)0);
            if (!spent)
            {
                Span<byte> derivedPublic = stackalloc byte[KeySize];
                X25519.PublicKeyFromPrivate(state.SendPrivate, derivedPublic);
                if (!derivedPublic.SequenceEqual(state._sendPublic))
                {
                    throw SpanReader.Invalid("ratchet key pair does not match");
                }

                if (state._sendRatchetPending)
                {
                    CryptographicOperations.ZeroMemory(state.SendPrivate);
                }
            }

            if ((state._sendRatchetPending || state._hasSendChain) && state._remoteRatchetKey is null)
            {
                throw SpanReader.Invalid("sending chain without a remote ratchet key");
            }

            if (!state._hasSendChain && !state._sendRatchetPending)
            {
                throw SpanReader.Invalid("no way to send");
            }

            if (!state.IsInitiator && !state.HasReceived)
            {
                throw SpanReader.Invalid("responder state that never received");
            }

            int chainCount = reader.ReadByte();
            if (chainCount > RatchetConstants.MaxReceivingChains)
            {
                throw SpanReader.Invalid("too many receiving chains");
            }

            for (var i = 0; i < chainCount; i++)
            {
                var chain = new ReceivingChain(state._keys, reader.ReadBytes(KeySize), reader.ReadBytes(KeySize), reader.ReadUInt32())
                {
                    EndNumber = reader.ReadUInt32(),
                };
                if (state.FindChain(chain.RatchetKey) is not null)
                {
                    chain.Dispose();
                    throw SpanReader.Invalid("duplicate receiving chain");
                }

                state._chains.Add(chain);
            }

            int skippedCount = reader.ReadUInt16();
            if (skippedCount > RatchetConstants.MaxSkippedTotal)
            {
                throw SpanReader.Invalid("too many skipped keys");
            }

            for (var i = 0; i < skippedCount; i++)
            {
                int chainIndex = reader.ReadByte();
                var number = reader.ReadUInt32();
                var key = reader.ReadBytes(KeySize);
                if (chainIndex >= state._chains.Count)
                {
                    throw SpanReader.Invalid("skipped key of an unknown chain");
                }

                var chain = state._chains[chainIndex];
                if (number >= chain.NextNumber || chain.Skipped.ContainsKey(number) || chain.Skipped.Count >= RatchetConstants.MaxSkip)
                {
                    throw SpanReader.Invalid("inconsistent skipped key");
                }

                chain.Skipped[number] = state._skipped.AddLast(new SkippedKey(chain, number, state._keys.Allocate(key)));
            }

            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }
}
