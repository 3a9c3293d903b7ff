using System.CommandLine;
using Tideway.Server.Hosting;

namespace Tideway.Cli.Commands;

/// <summary><c>tideway credentials add</c>: generates an access key pair that the server will require.</summary>
internal static class CredentialsCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory (default ./.tideway)", DefaultValueFactory = _ => "./.tideway" };
        var account = new Option<string>("--account") { Description = "The 12-digit account the key acts in", DefaultValueFactory = _ => "000000000000" };
        var add = new Command("add", "Generate a key pair, store it in the data directory, print it. From then on every request must be SigV4-signed.")
        {
            data, account,
        };
        add.SetAction(parse =>
        {
            var accountId = parse.GetValue(account)!;
            if (accountId.Length != 12 || !accountId.All(char.IsAsciiDigit))
            {
                Console.Error.WriteLine($"tideway credentials add: account '{accountId}' must be 12 digits.");
                return 2;
            }
            var credential = CredentialFile.Add(parse.GetValue(data)!, accountId);
            Console.WriteLine($"aws_access_key_id = {credential.AccessKeyId}");
            Console.WriteLine($"aws_secret_access_key = {credential.SecretAccessKey}");
            Console.WriteLine($"account = {credential.Account}");
            return 0;
        });
        return new Command("credentials", "Manage the credentials the server accepts.") { add };
    }
}
