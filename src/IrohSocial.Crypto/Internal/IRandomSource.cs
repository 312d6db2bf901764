namespace IrohSocial.Crypto.Internal;

/// <summary>
/// Where key pairs, nonces and call secrets get their randomness. Production code always uses
/// <see cref="SodiumRandom"/>; tests inject a deterministic source to pin known-answer values.
/// Internal on purpose: applications can never swap in a weak generator.
/// </summary>
internal interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}
