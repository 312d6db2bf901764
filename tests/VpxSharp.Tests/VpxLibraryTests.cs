namespace VpxSharp.Tests;

public sealed class VpxLibraryTests
{
    [Fact]
    public void Load_NoCandidateExists_ErrorNamesThePackageAndTheFilesTried()
    {
        var (handle, error) = VpxLibrary.Load(["libvpx-does-not-exist.so.99", "nope-vpx.so"]);

        Assert.Equal(0, handle);
        Assert.NotNull(error);
        Assert.Contains("apt-get install libvpx7", error);
        Assert.Contains("libvpx-does-not-exist.so.99, nope-vpx.so", error);
    }

    [Fact]
    public void IsAvailable_InstalledLibvpx_LoadsAndReportsVersion()
    {
        IrohSocial.Tests.Shared.NativeRequirements.Libvpx();
        VpxLibrary.EnsureLoaded();

        Assert.True(VpxLibrary.IsAvailable);
        var version = Vpx.vpx_codec_version();
        Assert.Equal(1, (version >> 16) & 0xff);
        unsafe
        {
            Assert.StartsWith("v1.", Vpx.PtrToString(Vpx.vpx_codec_version_str()));
        }
    }
}
