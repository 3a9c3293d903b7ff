using System.IO.Compression;
using System.Security.Cryptography;
using Tideway.Primitives;

namespace Tideway.Functions;

/// <summary>A checked code package: its hash as AWS reports it (base64 SHA-256) and as we name folders by (hex).</summary>
internal sealed record CodePackage(byte[] Zip, string Sha256Base64, string Sha256Hex, long UnzippedSize);

/// <summary>
/// Code packages: checked at upload (a readable zip within AWS's limits), unpacked on first use into a folder
/// per content hash under the runtime root, shared by every environment running that code.
/// </summary>
internal sealed class CodePackages(string root)
{
    /// <summary>Largest zip accepted in a request (AWS: 50 MB).</summary>
    public const long MaxZippedBytes = 52_428_800;

    /// <summary>Largest unpacked size (AWS: 250 MB).</summary>
    public const long MaxUnzippedBytes = 262_144_000;

    private readonly object _gate = new();

    /// <summary>Checks a zip and hashes it; throws the AWS error for a package Lambda would refuse.</summary>
    public static CodePackage Check(byte[] zip)
    {
        if (zip.Length > MaxZippedBytes)
        {
            throw new ServiceException("RequestEntityTooLargeException", $"Zipped size must be smaller than {MaxZippedBytes} bytes");
        }
        long unzipped = 0;
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
            foreach (var entry in archive.Entries)
            {
                unzipped += entry.Length;
                if (!IsSafe(entry.FullName))
                {
                    throw new ServiceException("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.");
                }
            }
        }
        catch (InvalidDataException)
        {
            throw new ServiceException("InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
        if (unzipped > MaxUnzippedBytes)
        {
            throw new ServiceException("InvalidParameterValueException", $"Unzipped size must be smaller than {MaxUnzippedBytes} bytes");
        }
        var hash = SHA256.HashData(zip);
        return new CodePackage(zip, Convert.ToBase64String(hash), Convert.ToHexStringLower(hash), unzipped);
    }

    // Entries may not climb out of the folder they are unpacked into.
    private static bool IsSafe(string name) =>
        !Path.IsPathRooted(name) && !name.Split('/', '\\').Contains("..");

    /// <summary>The folder holding the unpacked code with this hash, unpacking it first if needed.</summary>
    public string Unpacked(string sha256Hex, Func<byte[]?> read)
    {
        var folder = Path.Combine(root, "code", sha256Hex);
        lock (_gate)
        {
            if (Directory.Exists(folder))
            {
                return folder;
            }
            var zip = read() ?? throw new InvalidOperationException($"The code package {sha256Hex} is missing from the store.");
            var staging = folder + ".partial";
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            Directory.CreateDirectory(staging);
            // ExtractToDirectory keeps the Unix permissions recorded in the zip (a provided runtime's bootstrap must be executable).
            ZipFile.ExtractToDirectory(new MemoryStream(zip), staging);
            Directory.Move(staging, folder);
            return folder;
        }
    }
}
