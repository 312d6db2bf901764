using System.Runtime.InteropServices;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Creates or checks a folder that only the current user may enter: on Unix mode 0700, owned by the effective
/// user and not a symbolic link (so another local user cannot pre-create it, or point it elsewhere, and have our
/// files land where they can read or replace them).
/// </summary>
internal static partial class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (mode 0700) or checks an existing one and tightens its mode to 0700.</summary>
    /// <exception cref="UnauthorizedAccessException">The folder is a symbolic link or belongs to another user.</exception>
    public static void Ensure(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // New folders under the user's profile inherit its owner-only ACL; nothing portable to check here.
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path) && !File.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }

        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null)
        {
            throw new UnauthorizedAccessException($"The folder {path} is a symbolic link.");
        }

        if (!info.Exists)
        {
            throw new UnauthorizedAccessException($"{path} exists and is not a folder.");
        }

        if (UnixOwner.TryGet(path, out var owner) && owner != UnixOwner.EffectiveUser)
        {
            throw new UnauthorizedAccessException($"The folder {path} is owned by another user.");
        }

        if (File.GetUnixFileMode(path) != OwnerOnly)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }

    /// <summary>Owner of a file on Linux, read with statx(2) without following links.</summary>
    private static partial class UnixOwner
    {
        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const uint StatxUid = 0x8;
        // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, ... (256 bytes in all). Unlike
        // struct stat its layout is the same on every Linux architecture, so one binding serves x64 and arm64.
        private const int StatxSize = 256;
        private const int UidOffset = 20;

        public static uint EffectiveUser => OperatingSystem.IsLinux() ? GetEffectiveUserId() : 0;

        /// <summary>Reads the owner on Linux; elsewhere reports nothing (the mode is still enforced).</summary>
        public static unsafe bool TryGet(string path, out uint owner)
        {
            owner = 0;
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            var buffer = stackalloc byte[StatxSize];
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) != 0)
            {
                throw new IOException($"Cannot read the owner of {path} (errno {Marshal.GetLastPInvokeError()}).");
            }

            owner = *(uint*)(buffer + UidOffset);
            return true;
        }

        // int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);
        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

        // uid_t geteuid(void);
        [LibraryImport("libc", EntryPoint = "geteuid")]
        private static partial uint GetEffectiveUserId();
    }
}
