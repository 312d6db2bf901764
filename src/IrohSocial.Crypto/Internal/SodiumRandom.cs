using IrohSocial.Crypto.Internal.Interop;

namespace IrohSocial.Crypto.Internal;

/// <summary>libsodium's CSPRNG (<c>randombytes_buf</c>), written straight into the caller's span.</summary>
internal sealed class SodiumRandom : IRandomSource
{
    /// <summary>The only production randomness source; stateless, so one shared instance is safe.</summary>
    public static readonly SodiumRandom Instance = new();

    private SodiumRandom()
    {
        Libsodium.EnsureInitialized();
    }

    public unsafe void Fill(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            Libsodium.randombytes_buf(p, (nuint)destination.Length);
        }
    }
}
