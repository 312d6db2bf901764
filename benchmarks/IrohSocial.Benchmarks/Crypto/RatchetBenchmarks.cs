using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using IrohSocial.Crypto;
using IrohSocial.Crypto.Internal;

namespace IrohSocial.Benchmarks.Crypto;

/// <summary>
/// Cost of the Double Ratchet against its primitives: a message round trip (encrypt on one session,
/// decrypt on its peer, same chain) against a bare libsodium ChaCha20-Poly1305 encrypt+decrypt, and
/// a DH ratchet step and the session setup against one raw X25519 agreement.
/// Run: dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*Ratchet*' [--job short]
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class RatchetBenchmarks
{
    private readonly Dictionary<int, byte[]> _payloads = [];
    private readonly Dictionary<int, byte[]> _sealed = [];
    private readonly Dictionary<int, byte[]> _opened = [];
    private readonly byte[] _aeadKey = new byte[32];
    private readonly byte[] _aeadNonce = new byte[12];
    private readonly byte[] _aeadAd = new byte[1 + 64 + RatchetHeader.BaseSize];
    private readonly byte[] _dhPrivate = new byte[32];
    private readonly byte[] _dhPublic = new byte[32];
    private readonly byte[] _dhShared = new byte[32];

    private SecretKey _alice = null!;
    private SecretKey _bob = null!;
    private PeerSession _sender = null!;
    private PeerSession _receiver = null!;
    private PeerSession _ping = null!;
    private PeerSession _pong = null!;

    [GlobalSetup]
    public void Setup()
    {
        foreach (var size in new[] { 64, 1024, 16384 })
        {
            _payloads[size] = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
            _sealed[size] = new byte[size + 16];
            _opened[size] = new byte[size];
        }

        SodiumRandom.Instance.Fill(_aeadKey);
        SodiumRandom.Instance.Fill(_dhPrivate);
        var peer = new byte[32];
        SodiumRandom.Instance.Fill(peer);
        X25519.PublicKeyFromPrivate(peer, _dhPublic);

        _alice = SecretKey.Generate();
        _bob = SecretKey.Generate();
        _sender = PeerSession.Create(_alice, _bob.PublicKey);
        _receiver = PeerSession.Create(_bob, _alice.PublicKey);
        Deliver(_sender, _receiver, _payloads[64]);
        Deliver(_receiver, _sender, _payloads[64]);
        Deliver(_sender, _receiver, _payloads[64]);

        _ping = PeerSession.Create(_alice, _bob.PublicKey);
        _pong = PeerSession.Create(_bob, _alice.PublicKey);
        Deliver(_ping, _pong, _payloads[64]);
        Deliver(_pong, _ping, _payloads[64]); // from here on every send starts a new chain
    }

    private static void Deliver(PeerSession from, PeerSession to, byte[] payload)
    {
        if (!to.TryDecrypt(from.Encrypt(payload), out _, out _))
        {
            throw new InvalidOperationException("Benchmark setup failed to decrypt.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _ping.Dispose();
        _pong.Dispose();
        _alice.Dispose();
        _bob.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Message")]
    [Arguments(64)]
    [Arguments(1024)]
    [Arguments(16384)]
    public bool RawAeadRoundTrip(int size)
    {
        ChaCha20Poly1305Ietf.Encrypt(_aeadKey, _aeadNonce, _aeadAd, _payloads[size], _sealed[size]);
        return ChaCha20Poly1305Ietf.TryDecrypt(_aeadKey, _aeadNonce, _aeadAd, _sealed[size], _opened[size]);
    }

    [Benchmark]
    [BenchmarkCategory("Message")]
    [Arguments(64)]
    [Arguments(1024)]
    [Arguments(16384)]
    public bool RatchetRoundTrip(int size) =>
        _receiver.TryDecrypt(_sender.Encrypt(_payloads[size]), out _, out _);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Dh")]
    public bool RawX25519Agreement() => X25519.TryAgree(_dhPrivate, _dhPublic, _dhShared);

    /// <summary>One reply that turns the conversation around: a sending DH step (key pair + DH + root KDF) on one side, a receiving DH step on the other.</summary>
    [Benchmark]
    [BenchmarkCategory("Dh")]
    public bool DhRatchetStep()
    {
        var ok = _pong.TryDecrypt(_ping.Encrypt(_payloads[64]), out _, out _);
        (_ping, _pong) = (_pong, _ping);
        return ok;
    }

    /// <summary>Both sides of a first contact: create both sessions, first message encrypted and decrypted.</summary>
    [Benchmark]
    [BenchmarkCategory("Dh")]
    public bool SessionSetup()
    {
        using var alice = PeerSession.Create(_alice, _bob.PublicKey);
        using var bob = PeerSession.Create(_bob, _alice.PublicKey);
        return bob.TryDecrypt(alice.Encrypt(_payloads[64]), out _, out _);
    }
}
