using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal;

/// <summary>Why a certificate did not prove an identity.</summary>
internal enum CertificateCheck
{
    Valid,
    Missing,
    Malformed,
    WrongKeyType,
    NotValidNow,
    BadSelfSignature,
    MissingExtension,
    BadExtension,
    BadIdentitySignature,
}

/// <summary>
/// The identity certificate (docs/protocol.md section 4.1), after the libp2p TLS handshake spec: .NET cannot make
/// ed25519 certificates, so each endpoint presents a self-signed ECDSA P-256 certificate whose extension
/// <see cref="ExtensionOid"/> holds <c>SignedKey ::= SEQUENCE { publicKey OCTET STRING (32), signature OCTET STRING (64) }</c>:
/// the ed25519 identity key and its signature over <see cref="SignaturePrefix"/> || the certificate's DER SubjectPublicKeyInfo.
/// </summary>
internal static class IdentityCertificate
{
    /// <summary>A UUID OID (ITU-T X.667, arc 2.25) chosen for this SDK: no registration needed, no collision with libp2p.</summary>
    public const string ExtensionOid = "2.25.161889638491577530140055471971676911068";

    /// <summary>Domain separation for the ed25519 signature.</summary>
    public static ReadOnlySpan<byte> SignaturePrefix => "iroh-social-tls-handshake:"u8;

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";

    /// <summary>Makes a fresh certificate (new P-256 key) bound to <paramref name="identity"/>.</summary>
    public static X509Certificate2 Create(SecretKey identity, DateTimeOffset now) =>
        Create(identity, now, (spki, key) => key.Sign(SignedBytes(spki)), identity.PublicKey);

    /// <summary>
    /// Makes a certificate whose extension carries <paramref name="claimedKey"/> and whatever <paramref name="sign"/>
    /// returns; tests use it to forge certificates.
    /// </summary>
    internal static X509Certificate2 Create(SecretKey identity, DateTimeOffset now, Func<byte[], SecretKey, byte[]> sign, EndpointId claimedKey)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = ecdsa.ExportSubjectPublicKeyInfo();
        var signature = sign(spki, identity);
        var request = new CertificateRequest($"CN={claimedKey}", ecdsa, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension(ExtensionOid, EncodeSignedKey(claimedKey, signature), critical: false));
        return request.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));
    }

    /// <summary>The bytes the identity key signs: prefix || SubjectPublicKeyInfo.</summary>
    public static byte[] SignedBytes(ReadOnlySpan<byte> spki) => [.. SignaturePrefix, .. spki];

    public static byte[] EncodeSignedKey(EndpointId key, ReadOnlySpan<byte> signature)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteOctetString(key.ToArray());
            writer.WriteOctetString(signature);
        }

        return writer.Encode();
    }

    /// <summary>Checks a peer certificate and returns the identity it proves. Never throws on bad input.</summary>
    public static CertificateCheck Verify(X509Certificate? certificate, DateTimeOffset now, out EndpointId id)
    {
        id = default;
        if (certificate is null)
        {
            return CertificateCheck.Missing;
        }

        try
        {
            return VerifyDer(certificate.GetRawCertData(), now, out id);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or ArgumentException or FormatException)
        {
            return CertificateCheck.Malformed;
        }
    }

    /// <summary>Verifies raw DER (tests feed it garbage); never throws.</summary>
    internal static CertificateCheck VerifyDerSafe(byte[] der)
    {
        try
        {
            return VerifyDer(der, DateTimeOffset.UtcNow, out _);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or ArgumentException or FormatException)
        {
            return CertificateCheck.Malformed;
        }
    }

    internal static CertificateCheck VerifyDer(byte[] der, DateTimeOffset now, out EndpointId id)
    {
        id = default;
        var certificate = new AsnReader(der, AsnEncodingRules.DER);
        var certSeq = certificate.ReadSequence();
        certificate.ThrowIfNotEmpty();
        var tbsBytes = certSeq.PeekEncodedValue().ToArray();
        var tbs = certSeq.ReadSequence();
        var outerAlgorithm = certSeq.ReadSequence();
        var signatureAlgorithm = outerAlgorithm.ReadObjectIdentifier();
        var signature = certSeq.ReadBitString(out var unusedBits);
        certSeq.ThrowIfNotEmpty();
        if (signatureAlgorithm != EcdsaWithSha256Oid || unusedBits != 0)
        {
            return CertificateCheck.WrongKeyType;
        }

        if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
        }

        tbs.ReadIntegerBytes(); // serial
        tbs.ReadSequence(); // signature algorithm (inner)
        tbs.ReadSequence(); // issuer
        var validity = tbs.ReadSequence();
        var notBefore = ReadTime(validity);
        var notAfter = ReadTime(validity);
        tbs.ReadSequence(); // subject
        var spkiBytes = tbs.PeekEncodedValue().ToArray();
        var spki = tbs.ReadSequence();
        var keyAlgorithm = spki.ReadSequence();
        if (keyAlgorithm.ReadObjectIdentifier() != EcPublicKeyOid || keyAlgorithm.ReadObjectIdentifier() != P256Oid)
        {
            return CertificateCheck.WrongKeyType;
        }

        if (now < notBefore || now > notAfter)
        {
            return CertificateCheck.NotValidNow;
        }

        byte[]? extensionValue = null;
        while (tbs.HasData)
        {
            var tag = tbs.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 3)))
            {
                var extensionsWrapper = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true));
                var extensions = extensionsWrapper.ReadSequence();
                while (extensions.HasData)
                {
                    var extension = extensions.ReadSequence();
                    var oid = extension.ReadObjectIdentifier();
                    if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                    {
                        extension.ReadBoolean();
                    }

                    var value = extension.ReadOctetString();
                    if (oid == ExtensionOid)
                    {
                        if (extensionValue is not null)
                        {
                            return CertificateCheck.BadExtension; // exactly one identity extension
                        }

                        extensionValue = value;
                    }
                }
            }
            else
            {
                tbs.ReadEncodedValue();
            }
        }

        using (var ecdsa = ECDsa.Create())
        {
            ecdsa.ImportSubjectPublicKeyInfo(spkiBytes, out _);
            if (!ecdsa.VerifyData(tbsBytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                return CertificateCheck.BadSelfSignature;
            }
        }

        if (extensionValue is null)
        {
            return CertificateCheck.MissingExtension;
        }

        byte[] publicKey, identitySignature;
        try
        {
            var signedKeyReader = new AsnReader(extensionValue, AsnEncodingRules.DER);
            var signedKey = signedKeyReader.ReadSequence();
            signedKeyReader.ThrowIfNotEmpty();
            publicKey = signedKey.ReadOctetString();
            identitySignature = signedKey.ReadOctetString();
            signedKey.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            return CertificateCheck.BadExtension;
        }

        if (publicKey.Length != EndpointId.Size || identitySignature.Length != 64)
        {
            return CertificateCheck.BadExtension;
        }

        var claimed = new EndpointId(publicKey);
        if (!claimed.Verify(SignedBytes(spkiBytes), identitySignature))
        {
            return CertificateCheck.BadIdentitySignature;
        }

        id = claimed;
        return CertificateCheck.Valid;
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
