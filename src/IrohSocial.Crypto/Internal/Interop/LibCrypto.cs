using System.Runtime.InteropServices;

namespace IrohSocial.Crypto.Internal.Interop;

/// <summary>
/// OpenSSL's low-level SHA-256 (<c>openssl/sha.h</c>), resolved at run time from the libcrypto that .NET itself
/// uses on Linux. Only the ratchet's chain step uses it: libsodium's SHA-256 is portable C (about 400 ns per
/// 64-byte block here), OpenSSL's uses the CPU's SHA extensions (about 40 ns), and .NET's own HMAC and SHA-256
/// APIs cost 0.5-1 us per call in provider lookups and context setup, which is the whole budget of a short message.
/// </summary>
/// <remarks>
/// Function pointers are looked up once (<see cref="IsAvailable"/> is false where no libcrypto with these exports
/// loads: Windows, macOS, OpenSSL built without deprecated APIs); <see cref="ChainKeyHmac"/> then uses libsodium.
/// Only the block function is used: SHA256_Transform is deprecated in OpenSSL 3 in favour of EVP but still exported by
/// every distribution build (1.1 and 3); SHA256_CTX is a plain struct of 112 bytes since OpenSSL 0.9.8 whose first
/// 32 bytes are the chaining state h[0..7] in host order, and SHA256_Transform hashes one block into h[] and touches
/// nothing else (it is the block function itself), so the caller sets the initial h[], pads the last block and reads
/// the digest from h[].
/// The calls skip the GC transition: each hashes at most 64 bytes (well under a microsecond), never blocks and never
/// calls back, which is what SuppressGCTransition requires; the transition would otherwise cost as much as the hash.
/// </remarks>
internal static unsafe class LibCrypto
{
    /// <summary>sizeof(SHA256_CTX): h[8], Nl, Nh, data[16], num, md_len as 32-bit words.</summary>
    public const int Sha256ContextSize = 112;

    /// <summary>The chaining state h[0..7] (host-order words) at the start of SHA256_CTX.</summary>
    public const int Sha256StateSize = 32;

    // void SHA256_Transform(SHA256_CTX *c, const unsigned char *data);
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, void> s_transform;

    static LibCrypto()
    {
        // The names .NET's own OpenSSL shim probes on Linux, newest first.
        foreach (var name in (ReadOnlySpan<string>)["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (NativeLibrary.TryLoad(name, out var handle)
                && NativeLibrary.TryGetExport(handle, "SHA256_Transform", out var transform))
            {
                s_transform = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, void>)transform;
                return;
            }
        }
    }

    /// <summary>Whether OpenSSL's SHA-256 block function is usable in this process.</summary>
    public static bool IsAvailable => s_transform != null;

    /// <summary>Hashes one 64-byte block into the state's h[] (the caller pads the last block itself).</summary>
    public static void Sha256Transform(byte* context, byte* block) => s_transform(context, block);
}
