using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tideway.Server.Hosting;

[JsonSerializable(typeof(List<Credential>))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CredentialJsonContext : JsonSerializerContext;

/// <summary>The credentials file of a data directory (<c>credentials.json</c>, readable by its owner only).</summary>
public static class CredentialFile
{
    private const string FileName = "credentials.json";

    /// <summary>The stored credentials (none when the file is missing).</summary>
    public static IReadOnlyList<Credential> Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }
        return JsonSerializer.Deserialize(File.ReadAllText(path), CredentialJsonContext.Default.ListCredential) ?? [];
    }

    /// <summary>Generates a new key pair for <paramref name="account"/>, stores it and returns it.</summary>
    public static Credential Add(string dataDirectory, string account)
    {
        Directory.CreateDirectory(dataDirectory);
        var credentials = new List<Credential>(Read(dataDirectory));
        var credential = new Credential("TW" + RandomString(18, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
            RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"), account);
        credentials.Add(credential);
        var path = Path.Combine(dataDirectory, FileName);
        File.WriteAllText(path, JsonSerializer.Serialize(credentials, CredentialJsonContext.Default.ListCredential));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return credential;
    }

    private static string RandomString(int length, string alphabet) =>
        string.Create(length, alphabet, static (span, chars) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = chars[RandomNumberGenerator.GetInt32(chars.Length)];
            }
        });
}
