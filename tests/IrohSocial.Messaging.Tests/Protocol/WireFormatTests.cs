using System.Text;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;

namespace IrohSocial.Messaging.Tests.Protocol;

/// <summary>Known-answer vectors for the envelope and control JSON (also printed in docs/protocol.md).</summary>
public sealed class WireFormatTests
{
    private static readonly string SenderHex = new('a', 64);

    public static readonly TheoryData<string, string> ControlVectors = new()
    {
        { "message", """{"type":"message","content":"hi","timestamp":1767268800000,"attachments":null,"reply_to":"m0","id":"m1"}""" },
        { "typing", """{"type":"typing","id":"t1"}""" },
        { "read", """{"type":"read","message_ids":["m1","m2"],"id":"r1"}""" },
        { "delete", """{"type":"delete","message_id":"m1","id":"d1"}""" },
        { "delivered", """{"type":"delivered","acked_ids":["m1","m2"],"id":"k1"}""" },
    };

    private static Control ControlFor(string name) => name switch
    {
        "message" => new MessageControl("m1", "hi", 1767268800000, null, "m0"),
        "typing" => new TypingControl("t1"),
        "read" => new ReadControl("r1", ["m1", "m2"]),
        "delete" => new DeleteControl("d1", "m1"),
        "delivered" => new DeliveredControl("k1", ["m1", "m2"]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(ControlVectors))]
    public void Control_KnownAnswer_SerializesExactly(string name, string json)
    {
        Assert.Equal(json, Encoding.UTF8.GetString(ControlFor(name).ToJson()));
        var parsed = Control.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Equal(ControlFor(name).ToJson(), parsed.ToJson());
    }

    /// <summary>
    /// Signed decrypt_failed (docs/protocol.md 5.3): signer seed 00..1f, recipient seed 20..3f, ratchet key 32 x 0xaa,
    /// N = 7, nonce 16 x 0x55. Bytes and signature computed independently with Python's <c>cryptography</c> Ed25519.
    /// </summary>
    [Fact]
    public void DecryptFailed_SignedBytesAndSignature_KnownAnswer()
    {
        using var signer = SecretKey.Import(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        using var recipient = SecretKey.Import(Enumerable.Range(32, 32).Select(i => (byte)i).ToArray());
        var ratchetKey = Enumerable.Repeat((byte)0xaa, 32).ToArray();
        var nonce = Enumerable.Repeat((byte)0x55, 16).ToArray();
        var signed = ResponseError.SignedBytes(signer.PublicKey, recipient.PublicKey, ratchetKey, 7, nonce);
        Assert.Equal(
            "69726f682d736f6369616c2f646d2f646563727970742d6661696c65642f310003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
            + "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            + "0000000755555555555555555555555555555555",
            Convert.ToHexStringLower(signed));
        var signature = Convert.FromHexString(
            "fb55438e07b2ed01977c744beff54da92053a16e88955d11f62b732dfac285bd36a134b94b7b8febc9f875db074091a2688a5897ee5ea3e4bbc5e77b63ad2905");
        Assert.Equal(signature, signer.Sign(signed));
        var frame = new ResponseError(ResponseError.DecryptFailed, ratchetKey, 7, nonce, signature);
        Assert.True(ResponseError.TryParse(frame.ToJson())!.IsSignedDecryptFailed(signer.PublicKey, recipient.PublicKey));
        Assert.False(frame.IsSignedDecryptFailed(recipient.PublicKey, signer.PublicKey));
        Assert.False((frame with { MessageNumber = 8 }).IsSignedDecryptFailed(signer.PublicKey, recipient.PublicKey));
    }

    [Fact]
    public void Control_TypeNotFirst_StillParses()
    {
        var parsed = Control.Parse("""{"id":"d1","message_id":"m9","type":"delete"}"""u8);
        Assert.Equal(new DeleteControl("d1", "m9"), parsed);
    }

    [Theory]
    [InlineData("""{"type":"bogus","id":"x"}""")]
    [InlineData("""{"type":"typing"}""")]
    [InlineData("""{"type":"message","id":"m1","timestamp":1}""")]
    [InlineData("""{"type":"delete","id":"d1"}""")]
    [InlineData("""{"type":"delivered","id":"k1","acked_ids":[]}""")]
    [InlineData("""{"type":"call","id":"s1","call_id":"c1","kind":"Offer","video":false}""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""not json""")]
    [InlineData("""{"type":"message","id":"m1","content":"x","timestamp":1,"attachments":[{"id":"a","name":"n","mime_type":"m","size":1,"sha256":"00","key":"AA=="}],"reply_to":null}""")]
    public void Control_Malformed_TypedError(string json)
    {
        var ex = Assert.Throws<MessagingException>(() => Control.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(MessagingError.MalformedControl, ex.Error);
    }

    [Fact]
    public void Envelope_KnownAnswer_SerializesExactly()
    {
        var envelope = new EncryptedEnvelope(SenderHex, new byte[32], null, 7, 3, [0xde, 0xad, 0xbe, 0xef], new byte[12]);
        const string expected = """{"sender":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","ratchet_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","ephemeral_key":null,"message_number":7,"previous_chain_length":3,"ciphertext":"3q2+7w==","nonce":"AAAAAAAAAAAAAAAA"}""";
        Assert.Equal(expected, Encoding.UTF8.GetString(envelope.ToJson()));
        var parsed = EncryptedEnvelope.Parse(Encoding.UTF8.GetBytes(expected), out var sender);
        Assert.Equal(EndpointId.Parse(SenderHex), sender);
        Assert.Equal(7u, parsed.MessageNumber);
        Assert.Equal(envelope.Ciphertext, parsed.Ciphertext);
    }

    [Theory]
    [InlineData("""{"sender":"AAAAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","ratchet_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","ephemeral_key":null,"message_number":7,"previous_chain_length":3,"ciphertext":"3q2+7w==","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"sender":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","ratchet_key":"AAAA","ephemeral_key":null,"message_number":7,"previous_chain_length":3,"ciphertext":"3q2+7w==","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"sender":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","ratchet_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","ephemeral_key":null,"message_number":-1,"previous_chain_length":3,"ciphertext":"3q2+7w==","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"sender":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","ratchet_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","message_number":7,"previous_chain_length":3,"nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"sender":5}""")]
    [InlineData("""null""")]
    [InlineData("""{""")]
    public void Envelope_Malformed_TypedError(string json)
    {
        var ex = Assert.Throws<MessagingException>(() => EncryptedEnvelope.Parse(Encoding.UTF8.GetBytes(json), out _));
        Assert.Equal(MessagingError.MalformedEnvelope, ex.Error);
    }

    [Fact]
    public void Envelope_ArbitraryBytes_OnlyTypedErrors() =>
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            try
            {
                EncryptedEnvelope.Parse(bytes, out _);
            }
            catch (MessagingException)
            {
            }
        });

    [Fact]
    public void MessageControl_RoundTrips() =>
        Gen.Select(Gen.String, Gen.Long, Gen.String[1, 64].Null(), Gen.Int[0, 3]).Sample((content, ts, reply, attachmentCount) =>
        {
            var attachments = Enumerable.Range(0, attachmentCount)
                .Select(i => new AttachmentDescriptor($"a{i}", content, "application/octet-stream", i * 1000L, new string('0', 64), new byte[32]))
                .ToList();
            var control = new MessageControl("id", content, ts, attachments, reply);
            var parsed = (MessageControl)Control.Parse(control.ToJson());
            return parsed.Content == content && parsed.TimestampMs == ts && parsed.ReplyTo == reply && parsed.Attachments!.Count == attachmentCount;
        });

    [Fact]
    public void Control_ArbitraryJsonish_OnlyTypedErrors() =>
        Gen.OneOf(Gen.String, Gen.Const("""{"type":"message","id":""}"""), Gen.Const("""{"type":"read","id":"r","message_ids":[null]}""")).Sample(text =>
        {
            try
            {
                Control.Parse(Encoding.UTF8.GetBytes(text));
            }
            catch (MessagingException)
            {
            }
        });
}
