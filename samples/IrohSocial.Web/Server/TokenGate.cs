using System.Security.Cryptography;
using System.Text;

namespace IrohSocial.Web.Server;

/// <summary>
/// Lets a request through only with the instance's token, as Jupyter does: the URL printed at start carries it once
/// (<c>?token=</c>), which sets an HttpOnly SameSite=Strict cookie and redirects to the clean URL; later requests carry
/// the cookie. Another local user (or a web page in the same browser) cannot drive the node without it. WebSocket
/// upgrades must also come from the page's own origin.
/// </summary>
internal sealed class TokenGate(RequestDelegate next, TokenGate.Options options)
{
    public sealed record Options(string Token);

    public async Task InvokeAsync(HttpContext context)
    {
        var cookieName = CookieName(context);
        if (context.Request.Query.TryGetValue("token", out var fromQuery) && Matches(fromQuery.ToString()))
        {
            context.Response.Cookies.Append(cookieName, options.Token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                IsEssential = true,
            });
            if (HttpMethods.IsGet(context.Request.Method) && !context.WebSockets.IsWebSocketRequest)
            {
                context.Response.Redirect(context.Request.PathBase + context.Request.Path);
                return;
            }
        }
        else if (!(context.Request.Cookies.TryGetValue(cookieName, out var fromCookie) && Matches(fromCookie))
            && !(context.Request.Headers.TryGetValue("X-IrohSocial-Token", out var fromHeader) && Matches(fromHeader.ToString())))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsync("Open the URL with ?token=... printed when the server started.").ConfigureAwait(false);
            return;
        }

        if (context.WebSockets.IsWebSocketRequest && !SameOrigin(context))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        await next(context).ConfigureAwait(false);
    }

    // Cookies are per host, not per port: two instances on 127.0.0.1 need different cookie names.
    private static string CookieName(HttpContext context) => "irohsocial-token-" + (context.Connection.LocalPort);

    private bool Matches(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(options.Token));

    private static bool SameOrigin(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        return origin.Length > 0 && Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
