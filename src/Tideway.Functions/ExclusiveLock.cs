using System.Runtime.InteropServices;

namespace Tideway.Functions;

/// <summary>
/// An exclusive, non-blocking <c>flock</c> on a file, held while the returned stream is open (or until the process
/// ends). Taken with <c>flock</c> itself, not through .NET's file sharing, which <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>
/// turns off.
/// </summary>
internal static class ExclusiveLock
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int WouldBlock = 11;

    /// <summary>What trying to lock a file gave.</summary>
    public enum Outcome
    {
        /// <summary>Locked: the stream holds it.</summary>
        Taken,

        /// <summary>Another holds it, or the file is there and cannot be opened.</summary>
        HeldByAnother,

        /// <summary>The file is not there (and was not to be made), or could not be made, or the system has no locks.</summary>
        Unavailable,
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static (Outcome Outcome, FileStream? Lock) Try(string path, bool create)
    {
        FileStream file;
        try
        {
            // .NET takes a shared lock of its own here (unless told not to); the exclusive one is taken below.
            var options = new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite };
            if (create)
            {
                options.Mode = FileMode.OpenOrCreate;
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            file = new FileStream(path, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Locked by another (or not ours to open) when the file is there; otherwise it could not be made.
            return (File.Exists(path) ? Outcome.HeldByAnother : Outcome.Unavailable, null);
        }
        if (Flock(file.SafeFileHandle, LockExclusive | LockNonBlocking) == 0)
        {
            return (Outcome.Taken, file);
        }
        var error = Marshal.GetLastPInvokeError();
        file.Dispose();
        return (error == WouldBlock ? Outcome.HeldByAnother : Outcome.Unavailable, null);
    }

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Flock(Microsoft.Win32.SafeHandles.SafeFileHandle file, int operation);
}
