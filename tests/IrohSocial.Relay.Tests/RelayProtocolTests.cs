using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Transport;
using IrohSocial.Transport.Internal.Relay;

namespace IrohSocial.Relay.Tests;

/// <summary>The relay wire format: known-answer frames (the examples in docs/protocol.md section 10) and parser properties.</summary>
public sealed class RelayProtocolTests
{
    // docs/protocol.md 10.6: client seed 01.., relay seed 02.., challenge 03.., session token 04..
    private static SecretKey Client => SecretKey.Import(Enumerable.Repeat((byte)0x01, 32).ToArray());

    private static SecretKey RelayKey => SecretKey.Import(Enumerable.Repeat((byte)0x02, 32).ToArray());

    private static byte[] Challenge => Enumerable.Repeat((byte)0x03, 32).ToArray();

    private static byte[] Token => Enumerable.Repeat((byte)0x04, 16).ToArray();

    public static TheoryData<string, string> KnownFrames() => new()
    {
        { "challenge", KnownAnswers.Challenge },
        { "register", KnownAnswers.Register },
        { "dial", KnownAnswers.Dial },
        { "accept", KnownAnswers.Accept },
        { "incoming", KnownAnswers.Incoming },
        { "connected", KnownAnswers.Connected },
        { "refused", KnownAnswers.Refused },
        { "registered", KnownAnswers.Registered },
    };

    [Theory]
    [MemberData(nameof(KnownFrames))]
    public void Encode_KnownInputs_GivesTheDocumentedBytes(string frame, string expectedHex)
    {
        using var client = Client;
        using var relay = RelayKey;
        var bytes = frame switch
        {
            "challenge" => RelayProtocol.EncodeChallenge(relay.PublicKey, Challenge),
            "register" => RelayProtocol.EncodeHello(client, relay.PublicKey, Challenge, RelayRequest.Register, []),
            "dial" => RelayProtocol.EncodeHello(client, relay.PublicKey, Challenge, RelayRequest.Dial, relay.PublicKey.ToArray()),
            "accept" => RelayProtocol.EncodeHello(client, relay.PublicKey, Challenge, RelayRequest.Accept, Token),
            "incoming" => RelayProtocol.EncodeIncoming(client.PublicKey, Token),
            "connected" => RelayProtocol.EncodeConnected(client.PublicKey),
            "refused" => RelayProtocol.EncodeRefused(RelayRefusal.NotFound, "offline"),
            "registered" => RelayProtocol.EncodeRegistered(),
            _ => throw new ArgumentOutOfRangeException(nameof(frame)),
        };
        Assert.Equal(expectedHex, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void DecodeHello_KnownDial_VerifiesAndYieldsTheTarget()
    {
        using var client = Client;
        using var relay = RelayKey;
        var hello = Convert.FromHexString(KnownAnswers.Dial);
        Assert.True(RelayProtocol.TryDecodeHello(hello, relay.PublicKey, Challenge, out var request, out var id, out var body, out _));
        Assert.Equal((RelayRequest.Dial, client.PublicKey), (request, id));
        Assert.Equal(relay.PublicKey.ToArray(), body);

        // Any other challenge or relay id, or any flipped bit, fails the signature.
        Assert.False(RelayProtocol.TryDecodeHello(hello, client.PublicKey, Challenge, out _, out _, out _, out var wrongRelay));
        Assert.Equal(RelayRefusal.BadSignature, wrongRelay);
        Assert.False(RelayProtocol.TryDecodeHello(hello, relay.PublicKey, new byte[32], out _, out _, out _, out var replayed));
        Assert.Equal(RelayRefusal.BadSignature, replayed);
    }

    [Fact]
    public void DecodeHello_AnyFlippedBit_IsRefused()
    {
        using var relay = RelayKey;
        var hello = Convert.FromHexString(KnownAnswers.Dial);
        Gen.Int[0, (hello.Length * 8) - 1].Sample(bit =>
        {
            var copy = (byte[])hello.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(RelayProtocol.TryDecodeHello(copy, relay.PublicKey, Challenge, out _, out _, out _, out _));
        });
    }

    [Fact]
    public void Decoders_ArbitraryBytes_NeverThrow()
    {
        using var relay = RelayKey;
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            RelayProtocol.TryDecodeHello(bytes, relay.PublicKey, Challenge, out _, out _, out _, out _);
            RelayProtocol.TryDecodeRefused(bytes, out _, out _);
            RelayProtocol.TryDecodeChallenge(bytes, out _, out _);
        });
    }

    [Fact]
    public void Refused_RoundTripsAndCutsLongReasons()
    {
        Gen.Select(Gen.Byte[1, 14], Gen.String[0, 400]).Sample((reason, text) =>
        {
            var frame = RelayProtocol.EncodeRefused((RelayRefusal)reason, text);
            Assert.True(frame.Length <= 4 + RelayProtocol.MaxReasonBytes);
            if (RelayProtocol.TryDecodeRefused(frame, out var decoded, out var decodedText))
            {
                Assert.Equal((RelayRefusal)reason, decoded);
                Assert.StartsWith(decodedText, text, StringComparison.Ordinal);
            }
            else
            {
                // only a cut inside a multi-byte character makes the text invalid UTF-8
                Assert.True(System.Text.Encoding.UTF8.GetByteCount(text) > RelayProtocol.MaxReasonBytes);
            }
        });
    }

    [Fact]
    public void RelayAddress_TextForm_RoundTripsAndRefusesBadInput()
    {
        using var relay = RelayKey;
        var address = new RelayAddress(new Uri("https://relay.example:4443/relay"), relay.PublicKey);
        var text = address.ToString();
        Assert.Equal($"https://relay.example:4443/relay#{relay.PublicKey}", text);
        Assert.Equal(address, RelayAddress.Parse(text));
        Assert.Equal(new Uri("wss://relay.example:4443/relay"), address.WebSocketUri);
        Assert.Equal(address, RelayAddress.FromUri(EndpointAddr.ParseTicket(new EndpointAddr(relay.PublicKey, [], address.ToUri()).ToTicket()).RelayUrl));

        Assert.False(RelayAddress.TryParse("https://relay.example/relay", out _)); // no id
        Assert.False(RelayAddress.TryParse($"http://relay.example/relay#{relay.PublicKey}", out _)); // plain text off loopback
        Assert.True(RelayAddress.TryParse($"http://127.0.0.1:9/relay#{relay.PublicKey}", out var loopback));
        Assert.Equal(new Uri("ws://127.0.0.1:9/relay"), loopback.WebSocketUri);
        Assert.False(RelayAddress.TryParse($"ftp://relay.example/#{relay.PublicKey}", out _));
        Gen.String.Sample(s => { RelayAddress.TryParse(s, out _); });
    }
}

internal static class KnownAnswers
{
    public const string Challenge =
        "01018139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b3940303030303030303030303030303030303030303030303030303030303030303";
    public const string Register =
        "028a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c8c66619d308106780bd95665c7a092babbc6be68d220a289785c5f105f7c3ba27661af27e892c4284c48b877248bb5f30bac803295afc8743a0b165792e25b0b";
    public const string Dial =
        "038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c72aefad69d9cb85a0828e77537ce53416b4ac89489ec1641858714beeec369f09d81469f412b090b626f9df306ce6fda209185385c4d9b66c17634dd12ad3c0a8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394";
    public const string Accept =
        "048a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5cc992edb89511771a7494280b0ead1109eba793312d56011a5c167b80d4659153dd97babda7898aa69779e40468c898a8173c0f7c90906a9aa81c7845524bdd0804040404040404040404040404040404";
    public const string Incoming =
        "118a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c04040404040404040404040404040404";
    public const string Connected =
        "128a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";
    public const string Refused =
        "1f0300076f66666c696e65";
    public const string Registered =
        "10";
}
