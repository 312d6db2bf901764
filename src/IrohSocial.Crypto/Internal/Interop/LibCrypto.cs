using System.Runtime.InteropServices;

namespace IrohSocial.Crypto.Internal.Interop;

/// <summary>
/// OpenSSL's low-level SHA-256 (<c>openssl/sha.h</c>), resolved at run time from the libcrypto that .NET itself
/// uses on Linux. Only the ratchet's chain step uses it: libsodium's SHA-256 is portable C (about 400 ns per
/// 64-byte block here), OpenSSL's uses the CPU's SHA extensions (about 70 ns), and .NET's own HMAC and SHA-256
/// APIs cost 0.5-1 us per call in provider lookups and context setup, which is the whole budget of a short message.
/// </summary>
/// <remarks>
/// Function pointers are looked up once (<see cref="IsAvailable"/> is false where no libcrypto with these exports
/// loads: Windows, macOS, OpenSSL built without deprecated APIs); <see cref="ChainKeyHmac"/> then uses libsodium.
/// The three functions are deprecated in OpenSSL 3 in favour of EVP but still exported by every distribution
/// build, and SHA256_CTX is a plain struct of 112 bytes since OpenSSL 0.9.8, so it may be copied to fork a state.
/// The calls skip the GC transition: each hashes at most 64 bytes (well under a microsecond), never blocks and never
/// calls back, which is what SuppressGCTransition requires; the transition would otherwise cost as much as the hash.
/// </remarks>
internal static unsafe class LibCrypto
{
    /// <summary>sizeof(SHA256_CTX): h[8], Nl, Nh, data[16], num, md_len as 32-bit words.</summary>
    public const int Sha256ContextSize = 112;

    // int SHA256_Init(SHA256_CTX *c);
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> s_init;

    // int SHA256_Update(SHA256_CTX *c, const void *data, size_t len);
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> s_update;

    // int SHA256_Final(unsigned char *md, SHA256_CTX *c);
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> s_final;

    static LibCrypto()
    {
        // The names .NET's own OpenSSL shim probes on Linux, newest first.
        foreach (var name in (ReadOnlySpan<string>)["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (NativeLibrary.TryLoad(name, out var handle)
                && NativeLibrary.TryGetExport(handle, "SHA256_Init", out var init)
                && NativeLibrary.TryGetExport(handle, "SHA256_Update", out var update)
                && NativeLibrary.TryGetExport(handle, "SHA256_Final", out var final))
            {
                s_init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
                s_update = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
                s_final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
                return;
            }
        }
    }

    /// <summary>Whether OpenSSL's SHA-256 is usable in this process.</summary>
    public static bool IsAvailable => s_init != null;

    public static void Sha256Init(byte* context) => Check(s_init(context));

    public static void Sha256Update(byte* context, byte* data, nuint length) => Check(s_update(context, data, length));

    public static void Sha256Final(byte* digest, byte* context) => Check(s_final(digest, context));

    private static void Check(int result)
    {
        if (result != 1)
        {
            throw new System.Security.Cryptography.CryptographicException("OpenSSL SHA-256 failed.");
        }
    }
}
