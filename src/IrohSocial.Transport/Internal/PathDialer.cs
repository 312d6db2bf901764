using System.Diagnostics;
using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// Races a dial across an endpoint's paths. Each path tries its candidates in order, staggered (the next joins after a
/// failure that says "not here": refused, timed out, lost, or after a short delay); a path starts after its head start
/// (<see cref="DialPolicy"/>) or as soon as every path with a shorter head start has failed. The first connection that
/// proves the expected id wins; the others are cancelled, and one that completes anyway is closed.
/// </summary>
internal static class PathDialer
{
    public static async Task<ConnectionCore> DialAsync(
        IReadOnlyList<IEndpointPath> paths, EndpointAddr addr, string alpn, EndpointContext ctx, CancellationToken cancellationToken)
    {
        // No peer id on the activity (docs/security.md, "Telemetry"): the ALPN says what the dial is for.
        using var activity = TransportTelemetry.Source.StartActivity("irohsocial.dial", ActivityKind.Client);
        activity?.SetTag("irohsocial.alpn", alpn);
        try
        {
            var winner = await RaceAsync(paths, addr, alpn, ctx, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("irohsocial.transport.path", TransportTelemetry.PathName(winner.Path));
            return winner;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", ex is TransportException te ? TransportTelemetry.ErrorTypes.Of(te.Error) : ex.GetType().Name);
            throw;
        }
    }

    private static async Task<ConnectionCore> RaceAsync(
        IReadOnlyList<IEndpointPath> paths, EndpointAddr addr, string alpn, EndpointContext ctx, CancellationToken cancellationToken)
    {
        var attempts = paths
            .Select(path => (Path: path, Candidates: path.CandidatesFor(addr), HeadStart: ctx.Options.HeadStart(path.Kind)))
            .Where(a => a.Candidates.Count > 0)
            .OrderBy(a => a.HeadStart)
            .ToArray();
        if (attempts.Length == 0)
        {
            throw new TransportException(TransportError.ConnectionRefused, $"No address this endpoint can dial is known for {addr.Id.ToShortString()}.");
        }

        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Task<ConnectionCore>[attempts.Length];
        for (var i = 0; i < attempts.Length; i++)
        {
            // Paths with a shorter head start; when all of them have failed there is nothing left to wait for.
            var earlier = running[..i].Where((_, j) => attempts[j].HeadStart < attempts[i].HeadStart).ToArray();
            running[i] = RunPathAsync(attempts[i].Path, attempts[i].Candidates, attempts[i].HeadStart, earlier, addr.Id, alpn, ctx, race.Token);
        }

        var pending = running.ToList();
        var failures = new List<TransportException>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsCompletedSuccessfully)
            {
                await race.CancelAsync().ConfigureAwait(false);
                foreach (var loser in pending)
                {
                    _ = CloseIfConnectedAsync(loser);
                }

                var winner = done.Result;
                Log.DialWon(ctx.Logger, winner.RemoteId.ToShortString(), winner.Path, winner.RemoteAddress);
                return winner;
            }

            if (done.Exception?.InnerException is TransportException failure)
            {
                failures.Add(failure);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failures.Count == 0)
        {
            // only cancellations and no caller cancellation: cannot happen unless a path threw something unexpected
            await Task.WhenAll(running).ConfigureAwait(false);
        }

        throw failures.MaxBy(Rank)!;
    }

    private static async Task<ConnectionCore> RunPathAsync(
        IEndpointPath path, IReadOnlyList<DialCandidate> candidates, TimeSpan headStart, Task[] earlier, EndpointId expected, string alpn,
        EndpointContext ctx, CancellationToken cancellationToken)
    {
        if (headStart > TimeSpan.Zero)
        {
            var waitForEarlier = earlier.Length == 0 ? Task.CompletedTask : Task.WhenAll(earlier).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            await Task.WhenAny(Task.Delay(headStart, ctx.Time, cancellationToken), waitForEarlier).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return await RaceCandidatesAsync(path, candidates, expected, alpn, ctx, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A path's candidates, staggered (RFC 8305's "connection attempt delay"): the first starts at once, each next one
    /// when the one before it failed with "not here" or after <see cref="DialPolicy.DefaultCandidateStagger"/>, whichever comes
    /// first; earlier attempts keep running, and the first handshake that completes wins. Trying them strictly one
    /// after the other let an address that swallows packets (a dead interface, a stale NAT mapping) hold the dial for
    /// its whole handshake timeout; over QUIC nothing refuses, so the addresses behind it were never reached.
    /// </summary>
    private static async Task<ConnectionCore> RaceCandidatesAsync(
        IEndpointPath path, IReadOnlyList<DialCandidate> candidates, EndpointId expected, string alpn, EndpointContext ctx, CancellationToken cancellationToken)
    {
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Dictionary<Task<ConnectionCore>, DialCandidate>();
        TransportException? last = null;
        Task? stagger = null;
        var next = 0;
        try
        {
            while (true)
            {
                race.Token.ThrowIfCancellationRequested(); // the caller gave up (a cancelled stagger ends here too)
                if (next < candidates.Count && stagger is null or { IsCompleted: true })
                {
                    var candidate = candidates[next++];
                    running.Add(HandshakeAsync(path, candidate, expected, alpn, ctx, race.Token), candidate);
                    stagger = next < candidates.Count ? Task.Delay(ctx.Options.CandidateStagger, ctx.Time, race.Token) : null;
                }

                if (running.Count == 0)
                {
                    throw last!;
                }

                var done = stagger is null
                    ? await Task.WhenAny(running.Keys).ConfigureAwait(false)
                    : await Task.WhenAny(running.Keys.Append(stagger)).ConfigureAwait(false);
                if (done == stagger)
                {
                    continue; // the stagger is over: the next candidate joins
                }

                var attempt = (Task<ConnectionCore>)done;
                running.Remove(attempt, out var tried);
                try
                {
                    return await attempt.ConfigureAwait(false);
                }
                catch (TransportException ex) when (IsNotHere(ex.Error))
                {
                    Log.DialAttemptFailed(ctx.Logger, path.Kind, tried!.ToString(), ex.Message);
                    last = ex;
                    stagger = null; // nothing is running for this slot any more: the next candidate starts now
                }
            }
        }
        finally
        {
            if (running.Count > 0)
            {
                await race.CancelAsync().ConfigureAwait(false);
                foreach (var loser in running.Keys)
                {
                    _ = CloseIfConnectedAsync(loser);
                }
            }
        }
    }

    // One candidate of one path: its own activity (a child of the dial), its duration and its failure counted.
    private static async Task<ConnectionCore> HandshakeAsync(
        IEndpointPath path, DialCandidate candidate, EndpointId expected, string alpn, EndpointContext ctx, CancellationToken cancellationToken)
    {
        using var activity = TransportTelemetry.Source.StartActivity("irohsocial.handshake", ActivityKind.Client);
        activity?.SetTag("irohsocial.transport.path", TransportTelemetry.PathName(path.Kind));
        var started = Stopwatch.GetTimestamp();
        try
        {
            var connection = await path.ConnectAsync(candidate, expected, alpn, cancellationToken).ConfigureAwait(false);
            ctx.Telemetry.HandshakeSucceeded(path.Kind, started);
            return connection;
        }
        catch (TransportException ex)
        {
            ctx.Telemetry.DialFailed(path.Kind, ex.Error);
            activity?.SetStatus(ActivityStatusCode.Error);
            activity?.SetTag("error.type", TransportTelemetry.ErrorTypes.Of(ex.Error));
            throw;
        }
        catch (OperationCanceledException)
        {
            // the race was decided elsewhere or the caller gave up: neither is this path failing
            activity?.SetTag("error.type", "canceled");
            throw;
        }
    }

    // "Nothing answers there": try the next candidate. Anything else is an answer from the peer (or our own state).
    private static bool IsNotHere(TransportError error) =>
        error is TransportError.ConnectionRefused or TransportError.HandshakeTimeout or TransportError.ConnectionLost;

    // When every path fails, report the most telling failure: what a peer said beats silence.
    private static int Rank(TransportException ex) => ex.Error switch
    {
        TransportError.EndpointClosed => 6,
        TransportError.EndpointIdMismatch or TransportError.PeerVerificationFailed or TransportError.AlpnNotSupported
            or TransportError.ConnectionLimitExceeded => 5,
        TransportError.HandshakeTimeout => 3,
        TransportError.ConnectionLost => 2,
        TransportError.ConnectionRefused => 1,
        _ => 4,
    };

    private static async Task CloseIfConnectedAsync(Task<ConnectionCore> loser)
    {
        try
        {
            var connection = await loser.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // a loser that failed or was cancelled has nothing to close; its error does not matter any more
        }
    }
}

/// <summary>How long each path kind waits before it joins a dial (QUIC first, TCP shortly after, the relay last).</summary>
internal static class DialPolicy
{
    /// <summary>
    /// QUIC starts at once; TCP after 250 ms, long enough for a QUIC handshake on most links yet short enough that
    /// blocked UDP costs a user little; a relay after 500 ms, since a direct path is better when one works.
    /// </summary>
    public static readonly IReadOnlyDictionary<ConnectionPath, TimeSpan> DefaultHeadStarts = new Dictionary<ConnectionPath, TimeSpan>
    {
        [ConnectionPath.Quic] = TimeSpan.Zero,
        [ConnectionPath.Tcp] = TimeSpan.FromMilliseconds(250),
        [ConnectionPath.Relay] = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>
    /// How long a path's candidate (one address) runs alone before the next one joins: RFC 8305's recommended connection
    /// attempt delay; a handshake on a working link usually completes well within it.
    /// </summary>
    public static readonly TimeSpan DefaultCandidateStagger = TimeSpan.FromMilliseconds(250);
}
