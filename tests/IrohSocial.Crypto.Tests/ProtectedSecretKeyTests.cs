namespace IrohSocial.Crypto.Tests;

public sealed class ProtectedSecretKeyTests
{
    [Fact]
    public void ProtectUnprotect_RightPassphrase_SameKey_WrongOrAltered_Null()
    {
        using var key = SecretKey.Generate();
        var sealedKey = ProtectedSecretKey.Protect(key, "correct horse", iterations: 1, memoryKiB: 8 * 1024);
        Assert.True(ProtectedSecretKey.IsProtected(sealedKey));
        var seed = new byte[SecretKey.Size];
        key.Export(seed);
        Assert.Equal(-1, sealedKey.AsSpan().IndexOf(seed));

        using (var opened = ProtectedSecretKey.TryUnprotect(sealedKey, "correct horse"))
        {
            Assert.Equal(key.PublicKey, opened!.PublicKey);
        }

        Assert.Null(ProtectedSecretKey.TryUnprotect(sealedKey, "wrong horse"));
        // Editing the work factor in the file breaks the seal (the parameters are associated data).
        var lowered = (byte[])sealedKey.Clone();
        lowered[ProtectedSecretKey.Magic.Length + 3] = 0;
        lowered[ProtectedSecretKey.Magic.Length + 3] |= 2;
        Assert.Null(ProtectedSecretKey.TryUnprotect(lowered, "correct horse"));
        Assert.Null(ProtectedSecretKey.TryUnprotect(sealedKey.AsSpan(0, sealedKey.Length - 1), "correct horse"));
    }
}
