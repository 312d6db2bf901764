// Linked into the test projects that reference IrohSocial.Media.
using IrohSocial.Media.Audio;

namespace IrohSocial.Tests.Shared;

/// <summary>Native libopus (Concentus loads <c>libopus.so</c>/<c>opus.dll</c>; the managed port needs nothing).</summary>
internal static class NativeOpusRequirement
{
    public const string Variable = "IROHSOCIAL_REQUIRE_LIBOPUS";

    private static readonly Lazy<bool> Available = new(() =>
    {
        using var decoder = OpusAudioDecoder.Create(OpusImplementation.Auto);
        return decoder.IsNative;
    });

    /// <summary>Skips (or, with IROHSOCIAL_REQUIRE_LIBOPUS=1, fails) the test unless native libopus loads.</summary>
    public static void Libopus() => NativeRequirements.Require(
        "native libopus",
        Variable,
        Available.Value,
        "Install it: Debian/Ubuntu `apt-get install libopus-dev` (Concentus looks for libopus.so, which libopus0 alone does not provide), Fedora `dnf install opus-devel`, macOS `brew install opus`.");

    /// <summary>As <see cref="Libopus()"/> when any of <paramref name="implementations"/> asks for native code.</summary>
    public static void Libopus(params OpusImplementation[] implementations)
    {
        if (implementations.Any(i => i is OpusImplementation.Native or OpusImplementation.Auto))
        {
            Libopus();
        }
    }
}
