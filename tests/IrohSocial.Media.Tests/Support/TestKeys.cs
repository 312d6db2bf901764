using IrohSocial.Crypto;

namespace IrohSocial.Media.Tests.Support;

/// <summary>Fixed per-call keys for tests: both sides of one call, derived like the call layer will.</summary>
internal static class TestKeys
{
    public static readonly byte[] CallerSecret = Enumerable.Repeat((byte)0x01, CallKeys.SecretSize).ToArray();
    public static readonly byte[] CalleeSecret = Enumerable.Repeat((byte)0x02, CallKeys.SecretSize).ToArray();
    public static readonly Guid CallId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    public static byte[] CallIdBytes(Guid callId) => callId.ToByteArray(bigEndian: true);

    public static (CallKeys Caller, CallKeys Callee) ForCall(Guid callId, byte[]? callerSecret = null, byte[]? calleeSecret = null)
    {
        callerSecret ??= CallerSecret;
        calleeSecret ??= CalleeSecret;
        return (CallKeys.Derive(callerSecret, calleeSecret, CallIdBytes(callId), isCaller: true),
                CallKeys.Derive(callerSecret, calleeSecret, CallIdBytes(callId), isCaller: false));
    }
}
