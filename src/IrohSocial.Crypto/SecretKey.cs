using System.Runtime.InteropServices;
using System.Security.Cryptography;
using IrohSocial.Crypto.Internal;
using Sodium;

namespace IrohSocial.Crypto;

/// <summary>
/// An endpoint's long-term identity: a 32-byte ed25519 seed. The seed lives in pinned memory,
/// is wiped on <see cref="Dispose"/>, and never appears in <see cref="ToString"/>.
/// </summary>
public sealed class SecretKey : IDisposable
{
    /// <summary>Size of the seed in bytes.</summary>
    public const int Size = Ed25519.SeedSize;

    private readonly byte[] _seed = GC.AllocateArray<byte>(Size, pinned: true);
    private bool _disposed;

    private SecretKey(ReadOnlySpan<byte> seed)
    {
        seed.CopyTo(_seed);
        Span<byte> pub = stackalloc byte[EndpointId.Size];
        Ed25519.PublicKeyFromSeed(_seed, pub);
        PublicKey = new EndpointId(pub);
    }

    /// <summary>The public identity of this key.</summary>
    public EndpointId PublicKey { get; }

    /// <summary>Generates a new key from libsodium's CSPRNG.</summary>
    public static SecretKey Generate()
    {
        var seed = SodiumCore.GetRandomBytes(Size);
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Destination must hold {Size} bytes.", nameof(destination));
        }

        _seed.CopyTo(destination);
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (signature.Length < Ed25519.SignatureSize)
        {
            throw new ArgumentException($"Signature buffer must hold {Ed25519.SignatureSize} bytes.", nameof(signature));
        }

        Ed25519.Sign(_seed, message, signature);
    }

    /// <summary>Gives internal crypto code read access to the seed without copying it.</summary>
    internal ReadOnlySpan<byte> SeedSpan
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _seed;
        }
    }

    /// <summary>Never prints key material.</summary>
    public override string ToString() => $"SecretKey({PublicKey.ToShortString()}…)";

    /// <summary>Wipes the seed.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_seed);
            _disposed = true;
        }
    }
}
