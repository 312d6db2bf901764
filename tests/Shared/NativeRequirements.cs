// Linked into the test projects whose tests need an optional native library (see each .csproj).
using VpxSharp;

namespace IrohSocial.Tests.Shared;

/// <summary>
/// Tests that need an optional native library call one of these first: where the library is missing the test is
/// skipped with a reason naming it and how to install it, so `dotnet test` stays green on a fresh machine. CI sets
/// <c>IROHSOCIAL_REQUIRE_LIBVPX=1</c> (and friends) to turn those skips into failures.
/// </summary>
internal static class NativeRequirements
{
    public const string LibvpxVariable = "IROHSOCIAL_REQUIRE_LIBVPX";

    /// <summary>libvpx (VP9) must load.</summary>
    public static void Libvpx() =>
        Require("libvpx", LibvpxVariable, VpxLibrary.IsAvailable, VpxLibrary.InstallHint);

    /// <summary>libvpx's C headers and gcc (the struct-layout probe compiles against them).</summary>
    public static void LibvpxHeadersAndGcc() =>
        Require(
            "the libvpx headers (vpx/vpx_encoder.h) and gcc",
            LibvpxVariable,
            OnPath("gcc") && File.Exists("/usr/include/vpx/vpx_encoder.h"),
            "Install them: Debian/Ubuntu `apt-get install libvpx-dev gcc`.");

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));

    internal static void Require(string library, string variable, bool available, string hint)
    {
        if (available)
        {
            return;
        }

        var reason = $"Needs {library}, which is not installed here. {hint}";
        if (Environment.GetEnvironmentVariable(variable) == "1")
        {
            Assert.Fail($"{reason} ({variable}=1 makes this a failure.)");
        }

        Assert.Skip($"{reason} (Set {variable}=1 to make this a failure.)");
    }
}
