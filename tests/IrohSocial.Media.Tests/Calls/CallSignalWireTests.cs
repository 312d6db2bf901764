using System.Text;
using System.Text.Json;
using IrohSocial.Media.Calls.Internal;

namespace IrohSocial.Media.Tests.Calls;

/// <summary>Call signals ride the DM session as the registered control kind <c>call.signal</c> (docs/protocol.md 5.4, 7.1).</summary>
public sealed class CallSignalWireTests
{
    public static readonly TheoryData<string, string> Vectors = new()
    {
        { "offer", """{"call_id":"c1","kind":"Offer","audio_codec":"opus48k","video":true,"media_key":"AQID","reason":null,"candidate":null}""" },
        { "reject", """{"call_id":"c1","kind":"Reject","audio_codec":null,"video":false,"media_key":null,"reason":"busy","candidate":null}""" },
    };

    private static CallSignal SignalFor(string name) => name switch
    {
        "offer" => new CallSignal("c1", CallSignalKind.Offer, "opus48k", true, [1, 2, 3]),
        "reject" => new CallSignal("c1", CallSignalKind.Reject, Reason: "busy"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Body_KnownAnswer_SerializesExactlyAndRoundTrips(string name, string json)
    {
        var kind = CallSignal.Control;

        Assert.Equal(json, JsonSerializer.Serialize(SignalFor(name), kind.TypeInfo));
        var parsed = JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(json), kind.TypeInfo)!;
        Assert.Equal(json, JsonSerializer.Serialize(parsed, kind.TypeInfo));
    }

    [Fact]
    public void Control_IsNamedCallSignalAndRemembersIds()
    {
        // Remembered for good: a replayed Offer must never ring twice, even after a restart.
        Assert.Equal("call.signal", CallSignal.Control.Name);
        Assert.True(CallSignal.Control.RemembersIds);
    }

    [Fact]
    public void Body_UnknownKind_FailsToParse()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"call_id":"c1","kind":"Dance"}""", CallSignal.Control.TypeInfo));
    }
}
