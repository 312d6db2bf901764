using System.Diagnostics;
using IrohSocial.Media.Calls.Internal;

namespace IrohSocial.Media.Calls;

public sealed partial class CallManager
{
    /// <summary>
    /// The caller's <c>irohsocial.call_setup</c> activity: from the offer to the first call connection whose media
    /// started (or the call's end). It spans signals and dials on other flows, so the call holds it rather than
    /// <see cref="Activity.Current"/>; the dials of the first leg run as its children (<see cref="DialAsync"/>).
    /// No peer or call id on it (docs/security.md, "Telemetry").
    /// </summary>
    private static void StartSetupActivity(Call call)
    {
        var parent = Activity.Current;
        var activity = MediaTelemetry.Source.StartActivity("irohsocial.call_setup", ActivityKind.Client);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("irohsocial.call.video", call.HadVideo);
        call.SetupActivity = activity;
        Activity.Current = parent; // not ambient for the rest of StartCallAsync's flow (ring timer, signals)
    }

    /// <summary>Ends the setup activity once: <paramref name="failure"/> null when media started.</summary>
    private static void EndSetupActivity(Call call, string? failure)
    {
        if (Interlocked.Exchange(ref call.SetupActivity, null) is not { } activity)
        {
            return;
        }

        if (failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", failure);
        }

        activity.Stop();
    }
}
