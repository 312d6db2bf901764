using System.Security.Cryptography;

namespace IrohSocial.Crypto.Internal;

/// <summary>The key derivations of the setup and the Double Ratchet (labels in <see cref="RatchetConstants"/>).</summary>
internal static class RatchetKdf
{
    private const int KeySize = RatchetConstants.KeySize;

    /// <summary>
    /// Setup root key: HKDF-SHA256(ikm = 0xFF * 32 || dh1 || dh2, salt = 32 zero bytes, info, L = 32), where
    /// dh1 = DH(EK_a, IK_b) and dh2 = DH(IK_a, IK_b). The 0xFF prefix is X3DH's domain separator for X25519.
    /// Version 1: info = "iroh-social/dm/setup/v1". Version 2: info = "iroh-social/dm/setup/v2" || initiator
    /// ed25519 id || responder ed25519 id (the ids are ignored by version 1).
    /// </summary>
    public static void SetupRoot(ReadOnlySpan<byte> dh1, ReadOnlySpan<byte> dh2, EndpointId initiator, EndpointId responder, int version, Span<byte> rootKey)
    {
        Span<byte> info = stackalloc byte[RatchetConstants.SetupLabelV2.Length + (2 * EndpointId.Size)];
        int infoLength;
        if (version == RatchetConstants.SetupVersion1)
        {
            RatchetConstants.SetupLabel.CopyTo(info);
            infoLength = RatchetConstants.SetupLabel.Length;
        }
        else if (version == RatchetConstants.SetupVersion2)
        {
            var label = RatchetConstants.SetupLabelV2;
            label.CopyTo(info);
            initiator.CopyTo(info[label.Length..]);
            responder.CopyTo(info[(label.Length + EndpointId.Size)..]);
            infoLength = info.Length;
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown setup version.");
        }

        Span<byte> ikm = stackalloc byte[3 * KeySize];
        Span<byte> salt = stackalloc byte[KeySize];
        salt.Clear();
        ikm[..KeySize].Fill(0xFF);
        dh1.CopyTo(ikm[KeySize..]);
        dh2.CopyTo(ikm[(2 * KeySize)..]);
        HkdfSha256.DeriveKey(ikm, salt, info[..infoLength], rootKey[..KeySize]);
        CryptographicOperations.ZeroMemory(ikm);
    }

    /// <summary>KDF_RK: HKDF-SHA256(ikm = dh, salt = root key, info = root label, L = 64) = new root key || chain key.</summary>
    public static void RootStep(ReadOnlySpan<byte> rootKey, ReadOnlySpan<byte> dhOutput, Span<byte> newRootKey, Span<byte> chainKey)
    {
        Span<byte> okm = stackalloc byte[2 * KeySize];
        HkdfSha256.DeriveKey(dhOutput, rootKey, RatchetConstants.RootLabel, okm);
        okm[..KeySize].CopyTo(newRootKey);
        okm[KeySize..].CopyTo(chainKey);
        CryptographicOperations.ZeroMemory(okm);
    }

    /// <summary>
    /// KDF_CK: message key = HMAC-SHA256(ck, 0x01), next chain key = HMAC-SHA256(ck, 0x02).
    /// <paramref name="nextChainKey"/> may be the same memory as <paramref name="chainKey"/>.
    /// </summary>
    public static void ChainStep(ReadOnlySpan<byte> chainKey, Span<byte> messageKey, Span<byte> nextChainKey)
    {
        Span<byte> next = stackalloc byte[KeySize];
        ChainKeyHmac.Compute(chainKey, RatchetConstants.MessageKeyConstant, messageKey, RatchetConstants.ChainKeyConstant, next);
        next.CopyTo(nextChainKey);
        CryptographicOperations.ZeroMemory(next);
    }
}
