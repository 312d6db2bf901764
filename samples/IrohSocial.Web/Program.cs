using IrohSocial.Web.Server;

// dotnet run --project samples/IrohSocial.Web -- --data DIR [--urls http://127.0.0.1:5001] [--peer-bind 0.0.0.0:0]
//   [--video 640x480@24] [--token TOKEN] [--allow-remote]
WebAppSettings settings;
try
{
    settings = WebAppSettings.FromArgs(args);
    settings.Validate();
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var app = await IrohSocialWebApp.StartAsync(settings);
Console.WriteLine($"IrohSocial.Web: node {app.Node.Id.ToShortString()}, data in {Path.GetFullPath(settings.DataDirectory)}");
Console.WriteLine("Open this URL in your browser (it holds the access token):");
Console.WriteLine($"    {app.LaunchUrl}");
await app.WaitForShutdownAsync();
return 0;
