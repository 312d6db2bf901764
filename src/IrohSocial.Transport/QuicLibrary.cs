using System.Net.Quic;
using System.Reflection;
using System.Runtime.InteropServices;
using IrohSocial.Transport.Internal.Quic;

namespace IrohSocial.Transport;

/// <summary>
/// The msquic native library behind QUIC. Windows 11 / Server 2022 ship it; on Linux it comes from the distribution or
/// Microsoft's <c>libmsquic</c> package; macOS has no supported build. Without it endpoints use TLS 1.3 over TCP only.
/// </summary>
public static class QuicLibrary
{
    /// <summary>Whether QUIC works in this process (System.Net.Quic found a usable msquic).</summary>
    public static bool IsSupported => QuicSupport.IsSupported;

    /// <summary>
    /// Loads a specific msquic build (e.g. <c>/opt/msquic/libmsquic.so.2</c>) so that System.Net.Quic uses it. Call it
    /// before anything touches QUIC (binding an endpoint, <see cref="IsSupported"/>): the runtime looks for msquic once
    /// per process, and a copy next to the application is not found on Linux. Loading the same file again does nothing.
    /// </summary>
    /// <param name="path">Path of the library file (<c>libmsquic.so.2</c>, <c>msquic.dll</c>).</param>
    /// <exception cref="DllNotFoundException">The file does not exist or is not a loadable library.</exception>
    public static void Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeLibrary.Load(Path.GetFullPath(path));
    }

    /// <summary>
    /// The version of the msquic in use (e.g. <c>2.5.10</c>), or <see langword="null"/> when QUIC is not supported or the
    /// library does not report it.
    /// </summary>
    public static string? Version => IsSupported ? MsQuicVersion.Read() : null;
}

/// <summary>
/// Asks msquic for its version. System.Net.Quic reads it too but keeps it internal, so this opens msquic's API table
/// (<c>MsQuicOpenVersion</c>) and calls <c>GetParam(QUIC_PARAM_GLOBAL_LIBRARY_VERSION)</c> itself; msquic counts
/// opens, so this does not disturb the runtime's own handle.
/// </summary>
internal static unsafe class MsQuicVersion
{
    private const uint ApiVersion2 = 2;
    private const uint ParamGlobalLibraryVersion = 0x01000004;
    private const int GetParamIndex = 4; // QUIC_API_TABLE: SetContext, GetContext, SetCallbackHandler, SetParam, GetParam, ...

    public static string? Read()
    {
        if (!TryLoad(out var library))
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(library, "MsQuicOpenVersion", out var open)
            || !NativeLibrary.TryGetExport(library, "MsQuicClose", out var close))
        {
            return null;
        }

        void* api = null;
        var status = ((delegate* unmanaged<uint, void**, int>)open)(ApiVersion2, &api);
        if (status != 0 || api == null)
        {
            return null; // QUIC_FAILED: on Linux a failure status is positive, on Windows an HRESULT; success is 0 on both
        }

        try
        {
            var getParam = (delegate* unmanaged<nint, uint, uint*, void*, int>)((void**)api)[GetParamIndex];
            var version = stackalloc uint[4];
            uint length = sizeof(uint) * 4;
            return getParam(0, ParamGlobalLibraryVersion, &length, version) == 0 && length >= sizeof(uint) * 3
                ? $"{version[0]}.{version[1]}.{version[2]}"
                : null;
        }
        finally
        {
            ((delegate* unmanaged<void*, void>)close)(api);
        }
    }

    // The names System.Net.Quic itself loads; a library loaded earlier by path (QuicLibrary.Load) is found by its soname.
    private static bool TryLoad(out nint library)
    {
        var assembly = typeof(QuicConnection).Assembly;
        foreach (var name in (string[])["libmsquic.so.2", "msquic.dll", "libmsquic.dylib", "libmsquic.so"])
        {
            if (NativeLibrary.TryLoad(name, assembly, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.System32, out library))
            {
                return true;
            }
        }

        library = 0;
        return false;
    }
}
