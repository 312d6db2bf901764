using System.Net;
using Microsoft.Extensions.Options;

namespace IrohSocial.Hosting.Internal;

/// <summary>Checks <see cref="IrohSocialHostOptions"/> once, so a bad setting fails the host's start with its name.</summary>
internal sealed class IrohSocialHostOptionsValidator : IValidateOptions<IrohSocialHostOptions>
{
    public ValidateOptionsResult Validate(string? name, IrohSocialHostOptions options)
    {
        var failures = new List<string>();
        if (options.SecretKeyProvider is null && string.IsNullOrWhiteSpace(options.IdentityKeyPath))
        {
            failures.Add($"{nameof(IrohSocialHostOptions.IdentityKeyPath)} is required unless SecretKeyProvider is set (the identity must survive restarts).");
        }

        if (!IPEndPoint.TryParse(options.BindAddress ?? "", out _) || !(options.BindAddress ?? "").Contains(':'))
        {
            failures.Add($"{nameof(IrohSocialHostOptions.BindAddress)} '{options.BindAddress}' is not ADDRESS:PORT.");
        }

        if (options.DatabasePath is { Length: 0 })
        {
            failures.Add($"{nameof(IrohSocialHostOptions.DatabasePath)} is empty; use null for an in-memory store.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
