using System.Security.Cryptography;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Crypto;

/// <summary>
/// An endpoint's long-term identity: a 32-byte ed25519 seed. The seed lives in libsodium guarded memory (off the GC
/// heap, between guard pages, read-only, kept out of core dumps and swap where the OS allows), is signed with on the
/// stack without copies, is wiped and freed on <see cref="Dispose"/>, and never appears in <see cref="ToString"/>.
/// </summary>
public sealed class SecretKey : IDisposable
{
    /// <summary>Size of the seed in bytes.</summary>
    public const int Size = Ed25519.SeedSize;

    // libsodium guarded memory: off the GC heap, guard pages, read-only, no core dumps, freed only after the last use.
    private readonly GuardedMemory _seed;

    private SecretKey(ReadOnlySpan<byte> seed)
    {
        _seed = GuardedMemory.Create(seed);
        Span<byte> pub = stackalloc byte[EndpointId.Size];
        using (var lease = _seed.Read())
        {
            Ed25519.PublicKeyFromSeed(lease.Span, pub);
        }

        PublicKey = new EndpointId(pub);
    }

    /// <summary>The public identity of this key.</summary>
    public EndpointId PublicKey { get; }

    /// <summary>Generates a new key from libsodium's CSPRNG.</summary>
    public static SecretKey Generate()
    {
        Span<byte> seed = stackalloc byte[Size]; // never on the GC heap
        SodiumRandom.Instance.Fill(seed);
        try
        {
            return new SecretKey(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Imports a key from its 32-byte seed. The caller keeps ownership of (and should wipe) the input.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public static SecretKey Import(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Size)
        {
            throw new ArgumentException($"An ed25519 seed is {Size} bytes, got {seed.Length}.", nameof(seed));
        }

        return new SecretKey(seed);
    }

    /// <summary>Exports the 32-byte seed into <paramref name="destination"/>. Handle the copy as a secret.</summary>
    public void Export(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Destination must hold {Size} bytes.", nameof(destination));
        }

        using var lease = ReadSeed();
        lease.Span.CopyTo(destination);
    }

    /// <summary>Signs <paramref name="message"/> with ed25519 and returns the 64-byte signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[Ed25519.SignatureSize];
        Sign(message, signature);
        return signature;
    }

    /// <summary>Signs <paramref name="message"/> with ed25519 into a 64-byte <paramref name="signature"/>.</summary>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        if (signature.Length < Ed25519.SignatureSize)
        {
            throw new ArgumentException($"Signature buffer must hold {Ed25519.SignatureSize} bytes.", nameof(signature));
        }

        using var lease = ReadSeed();
        Ed25519.Sign(lease.Span, message, signature);
    }

    /// <summary>Reads the seed (for key derivation inside this package); dispose the lease right after.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    internal GuardedMemory.Lease ReadSeed()
    {
        try
        {
            return _seed.Read();
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(SecretKey));
        }
    }

    /// <summary>Never prints key material.</summary>
    public override string ToString() => $"SecretKey({PublicKey.ToShortString()}…)";

    /// <summary>Wipes and frees the seed (once no signature or derivation still reads it).</summary>
    public void Dispose() => _seed.Dispose();
}
