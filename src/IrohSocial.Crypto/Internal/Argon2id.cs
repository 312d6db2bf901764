using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>Argon2id (libsodium <c>crypto_pwhash</c>, algorithm ARGON2ID13) on spans: a key from a passphrase.</summary>
internal static unsafe class Argon2id
{
    public const int SaltSize = 16;
    private const int AlgorithmArgon2id13 = 2;

    /// <exception cref="InsufficientMemoryException">libsodium could not allocate <paramref name="memoryBytes"/>.</exception>
    public static void DeriveKey(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, ulong iterations, nuint memoryBytes, Span<byte> key)
    {
        if (salt.Length != SaltSize)
        {
            throw new ArgumentException($"The salt must be {SaltSize} bytes.", nameof(salt));
        }

        Libsodium.EnsureInitialized();
        fixed (byte* output = key)
        fixed (byte* password = passphrase)
        fixed (byte* s = salt)
        {
            if (Libsodium.crypto_pwhash(output, (ulong)key.Length, password, (ulong)passphrase.Length, s, iterations, memoryBytes, AlgorithmArgon2id13) != 0)
            {
                throw new InsufficientMemoryException("Argon2id could not allocate its memory.");
            }
        }
    }
}
