using System.Runtime.InteropServices;

namespace IrohSocial.Crypto.Internal.Interop;

/// <summary>
/// Span-friendly imports of the native libsodium that Sodium.Core already ships (NuGet package
/// <c>libsodium</c>, resolved by the same name Sodium.Core uses).
/// </summary>
/// <remarks>
/// Why not Sodium.Core here: its API takes and returns <c>byte[]</c>, so every AEAD call and every
/// scalar multiplication would copy keys, nonces and payloads into fresh arrays. The ratchet and the
/// media cipher run once per message or per media frame, so those two families are imported
/// directly on spans (no allocation, keys never copied to the GC heap). Everything that is not on
/// the hot path (ed25519, key conversion, random bytes) stays on Sodium.Core.
/// Each import carries its C signature from libsodium's headers.
/// </remarks>
internal static partial class Libsodium
{
    private const string Library = "libsodium";

    static Libsodium()
    {
        // sodium_init is idempotent and thread-safe; it returns 1 when already initialised, -1 on failure.
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialise.");
        }
    }

    /// <summary>Runs the static constructor (sodium_init) before the first native call.</summary>
    public static void EnsureInitialized()
    {
    }

    // int sodium_init(void);
    [LibraryImport(Library)]
    private static partial int sodium_init();

    // int crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p);
    // Returns -1 when the result is all-zero (p of small order).
    [LibraryImport(Library)]
    public static unsafe partial int crypto_scalarmult(byte* q, byte* n, byte* p);

    // int crypto_scalarmult_base(unsigned char *q, const unsigned char *n);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_scalarmult_base(byte* q, byte* n);

    // int crypto_aead_chacha20poly1305_ietf_encrypt(unsigned char *c, unsigned long long *clen_p,
    //     const unsigned char *m, unsigned long long mlen, const unsigned char *ad, unsigned long long adlen,
    //     const unsigned char *nsec, const unsigned char *npub, const unsigned char *k);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_aead_chacha20poly1305_ietf_encrypt(
        byte* c, ulong* clen_p, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    // int crypto_aead_chacha20poly1305_ietf_decrypt(unsigned char *m, unsigned long long *mlen_p,
    //     unsigned char *nsec, const unsigned char *c, unsigned long long clen,
    //     const unsigned char *ad, unsigned long long adlen, const unsigned char *npub, const unsigned char *k);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_aead_chacha20poly1305_ietf_decrypt(
        byte* m, ulong* mlen_p, byte* nsec, byte* c, ulong clen, byte* ad, ulong adlen, byte* npub, byte* k);

    // int crypto_aead_xchacha20poly1305_ietf_encrypt(... same shape, 24-byte npub ...);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_aead_xchacha20poly1305_ietf_encrypt(
        byte* c, ulong* clen_p, byte* m, ulong mlen, byte* ad, ulong adlen, byte* nsec, byte* npub, byte* k);

    // int crypto_aead_xchacha20poly1305_ietf_decrypt(... same shape, 24-byte npub ...);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_aead_xchacha20poly1305_ietf_decrypt(
        byte* m, ulong* mlen_p, byte* nsec, byte* c, ulong clen, byte* ad, ulong adlen, byte* npub, byte* k);

    // size_t crypto_auth_hmacsha256_statebytes(void);
    [LibraryImport(Library)]
    public static partial nuint crypto_auth_hmacsha256_statebytes();

    // int crypto_auth_hmacsha256_init(crypto_auth_hmacsha256_state *state, const unsigned char *key, size_t keylen);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_auth_hmacsha256_init(byte* state, byte* key, nuint keylen);

    // int crypto_auth_hmacsha256_update(crypto_auth_hmacsha256_state *state, const unsigned char *in, unsigned long long inlen);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_auth_hmacsha256_update(byte* state, byte* input, ulong inlen);

    // int crypto_auth_hmacsha256_final(crypto_auth_hmacsha256_state *state, unsigned char *out);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_auth_hmacsha256_final(byte* state, byte* output);

    // int crypto_pwhash(unsigned char * const out, unsigned long long outlen, const char * const passwd,
    //     unsigned long long passwdlen, const unsigned char * const salt, unsigned long long opslimit, size_t memlimit, int alg);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_pwhash(byte* output, ulong outlen, byte* passwd, ulong passwdlen, byte* salt, ulong opslimit, nuint memlimit, int alg);

    // void randombytes_buf(void * const buf, const size_t size);
    [LibraryImport(Library)]
    public static unsafe partial void randombytes_buf(byte* buf, nuint size);

    // int crypto_sign_seed_keypair(unsigned char *pk, unsigned char *sk, const unsigned char *seed);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_sign_seed_keypair(byte* pk, byte* sk, byte* seed);

    // int crypto_sign_detached(unsigned char *sig, unsigned long long *siglen_p, const unsigned char *m,
    //     unsigned long long mlen, const unsigned char *sk);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_sign_detached(byte* sig, ulong* siglen, byte* m, ulong mlen, byte* sk);

    // int crypto_sign_ed25519_sk_to_curve25519(unsigned char *curve25519_sk, const unsigned char *ed25519_sk);
    [LibraryImport(Library)]
    public static unsafe partial int crypto_sign_ed25519_sk_to_curve25519(byte* curve25519Sk, byte* ed25519Sk);

    // void *sodium_malloc(const size_t size);
    [LibraryImport(Library)]
    public static partial nint sodium_malloc(nuint size);

    // void sodium_free(void *ptr);
    [LibraryImport(Library)]
    public static partial void sodium_free(nint ptr);

    // int sodium_mprotect_readonly(void *ptr);
    [LibraryImport(Library)]
    public static partial int sodium_mprotect_readonly(nint ptr);
}
