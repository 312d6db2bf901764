using System.Reflection;
using System.Runtime.InteropServices;

namespace VpxSharp;

/// <summary>
/// Locates and loads the native libvpx library for the bindings in <see cref="Vpx"/>.
/// </summary>
/// <remarks>
/// The bindings import the logical name <see cref="LibraryName"/>; a <see cref="NativeLibrary"/> resolver maps it to the
/// first file in <see cref="CandidateNames"/> that loads. When none loads, calls throw a
/// <see cref="DllNotFoundException"/> whose message names the package to install.
/// </remarks>
public static class VpxLibrary
{
    /// <summary>The logical library name used by every import in <see cref="Vpx"/>.</summary>
    public const string LibraryName = "vpx";

    /// <summary>The package hint shown when libvpx is missing.</summary>
    public const string InstallHint =
        "Install libvpx: Debian/Ubuntu `apt-get install libvpx7` (or libvpx8 / libvpx-dev), Fedora `dnf install libvpx`, " +
        "macOS `brew install libvpx`; on Windows put vpx.dll next to the application.";

    /// <summary>File names tried, in order, for the current operating system.</summary>
    public static IReadOnlyList<string> CandidateNames { get; } = GetCandidateNames();

    // The loaded handle is process-wide by nature (a native library is loaded once per process); Lazy makes the
    // single load thread-safe and caches a failure message instead of retrying on every call.
    private static readonly Lazy<(nint Handle, string? Error)> Loaded = new(() => Load(CandidateNames));

    /// <summary>Whether libvpx could be loaded on this machine.</summary>
    public static bool IsAvailable => Loaded.Value.Handle != 0;

    /// <summary>Loads libvpx now, throwing a <see cref="DllNotFoundException"/> with install instructions if it is missing.</summary>
    /// <exception cref="DllNotFoundException">No candidate library could be loaded.</exception>
    public static void EnsureLoaded() => _ = GetHandle();

    internal static nint GetHandle()
    {
        var (handle, error) = Loaded.Value;
        return handle != 0 ? handle : throw new DllNotFoundException(error);
    }

    internal static (nint Handle, string? Error) Load(IEnumerable<string> candidates)
    {
        var tried = new List<string>();
        foreach (var name in candidates)
        {
            tried.Add(name);
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return (handle, null);
            }
        }

        return (0, $"libvpx could not be loaded (tried {string.Join(", ", tried)}). {InstallHint}");
    }

    internal static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibraryName ? GetHandle() : 0;

    private static string[] GetCandidateNames()
    {
        if (OperatingSystem.IsWindows())
        {
            return ["vpx.dll", "libvpx.dll", "libvpx-1.dll"];
        }

        if (OperatingSystem.IsMacOS())
        {
            return ["libvpx.dylib", "libvpx.8.dylib", "libvpx.7.dylib", "/opt/homebrew/lib/libvpx.dylib", "/usr/local/lib/libvpx.dylib"];
        }

        return ["libvpx.so.7", "libvpx.so.8", "libvpx.so.9", "libvpx.so"];
    }
}
