using System.Security.Cryptography;
using IrohSocial.Crypto;

namespace IrohSocial.Messaging;

/// <summary>The conversation id of a pair of endpoints: SHA-256 over the two 32-byte public keys, smaller first.</summary>
public static class ConversationId
{
    /// <summary>Lowercase hex SHA-256(min(a, b) || max(a, b)); symmetric in its arguments.</summary>
    public static string Compute(EndpointId a, EndpointId b)
    {
        Span<byte> input = stackalloc byte[EndpointId.Size * 2];
        var (first, second) = a.CompareTo(b) <= 0 ? (a, b) : (b, a);
        first.CopyTo(input);
        second.CopyTo(input[EndpointId.Size..]);
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }
}
