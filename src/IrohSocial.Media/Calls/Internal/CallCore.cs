using IrohSocial.Crypto;
using IrohSocial.Media.Audio;
using IrohSocial.Media.Calls.Internal;
using IrohSocial.Media.Stats;
using IrohSocial.Media.Video;
using IrohSocial.Transport;

namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// The state behind a <see cref="Call"/> handle: ringing → active → ended, its legs and their counters, the media
/// secrets, the received-video file. Changed only by the call manager's parts (signalling, legs, stream routing).
/// </summary>
internal sealed class CallCore
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<CallEndReason> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _receivedAudioEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly CallRuntime _runtime;
    private CallState _state = CallState.Ringing;
    private bool _muted;
    private bool _videoEnabled;
    private long _answeredAt;
    private TimeSpan _duration;
    private CallStats? _latestStats;
    private CallVideoStats? _latestVideoStats;
    private readonly CallQualityTracker _quality = new();
    private CallLeg? _leg;
    // Replaced legs stay counted by reference, not by a snapshot: a detached leg keeps playing (and counting) until
    // it is disposed, and a snapshot taken at detach missed those last frames.
    private readonly List<CallLeg> _pastLegs = [];
    private readonly ReceivedVideoFile _receivedVideo = new();

    // Telemetry (MediaTelemetry): concealment already counted, legs started, and the caller's open call-setup activity.
    public long ConcealedFramesCounted;
    public int LegsStarted;
    public System.Diagnostics.Activity? SetupActivity;

    /// <summary>Keep-alives, dead-path detection and the audio gap of restores; set when the first leg starts.</summary>
    public CallWatchdog? Watchdog { get; set; }

    public CallCore(CallRuntime runtime, Guid callId, EndpointId peer, CallDirection direction, CallMedia media, bool offeredVideo, byte[] callerSecret, TimeProvider time)
    {
        _runtime = runtime;
        Handle = new Call(this);
        CallGuid = callId;
        Id = callId.ToString();
        Peer = peer;
        Direction = direction;
        Media = media;
        _time = time;
        CallerSecret = callerSecret;
        OfferedVideo = offeredVideo;
        StartedAt = time.GetUtcNow();
        _videoEnabled = media.Video && media.VideoSource is not null;
    }

    /// <summary>What the app holds.</summary>
    public Call Handle { get; }

    /// <summary>The call id (a UUID string, as in the Offer).</summary>
    public string Id { get; }

    /// <summary>The other side.</summary>
    public EndpointId Peer { get; }

    /// <summary>Whether this side placed or received the call.</summary>
    public CallDirection Direction { get; }

    /// <summary>Ringing, active or ended.</summary>
    public CallState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>When the call was offered (or the offer arrived).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Mute: silence (DTX) is sent instead of the source; the stream and statistics stay alive.</summary>
    public bool Muted
    {
        get
        {
            lock (_gate)
            {
                return _muted;
            }
        }

        set
        {
            CallLeg? leg;
            lock (_gate)
            {
                _muted = value;
                leg = _leg;
            }

            leg?.SetMuted(value);
        }
    }

    /// <summary>Whether this side sends video right now.</summary>
    public bool VideoEnabled
    {
        get
        {
            lock (_gate)
            {
                return _videoEnabled;
            }
        }
    }

    /// <summary>Whether the peer offered (caller) or anyone used video so far; stored as had_video.</summary>
    public bool HadVideo { get; private set; }

    /// <summary>Time since the answer (the call timer); zero while ringing, frozen once ended.</summary>
    public TimeSpan Elapsed
    {
        get
        {
            lock (_gate)
            {
                return _state switch
                {
                    CallState.Active => _time.GetElapsedTime(_answeredAt),
                    CallState.Ended => _duration,
                    _ => TimeSpan.Zero,
                };
            }
        }
    }

    /// <summary>The latest audio statistics (every <see cref="CallOptions.StatsInterval"/>), or null before the first.</summary>
    public CallStats? LatestStats => Volatile.Read(ref _latestStats);

    /// <summary>The latest video statistics, or null when no video flowed.</summary>
    public CallVideoStats? LatestVideoStats => Volatile.Read(ref _latestVideoStats);

    /// <summary>Running totals over the whole call.</summary>
    public CallCounters Counters
    {
        get
        {
            lock (_gate)
            {
                return CountersLocked();
            }
        }
    }

    /// <summary>Completes with the end reason when the call is over (its history row is written by then).</summary>
    public Task<CallEndReason> Completion => _completion.Task;

    /// <summary>
    /// Completes when the peer's audio stream ended normally and everything received was played (for example,
    /// the peer's file source ran out).
    /// </summary>
    public Task ReceivedAudioEnded => _receivedAudioEnded.Task;

    /// <summary>Turns this side's video on or off mid-call; the peer sees the stream stop or resume.</summary>
    /// <exception cref="InvalidOperationException">Turning video on without a <see cref="CallMedia.VideoSource"/>.</exception>
    public async Task SetVideoEnabledAsync(bool enabled, CancellationToken cancellationToken = default)
    {
        if (enabled && Media.VideoSource is null)
        {
            throw new InvalidOperationException("The call has no video source.");
        }

        CallLeg? leg;
        lock (_gate)
        {
            if (_state == CallState.Ended)
            {
                throw new InvalidOperationException("The call has ended.");
            }

            _videoEnabled = enabled;
            HadVideo |= enabled;
            leg = _leg;
        }

        if (leg is not null)
        {
            await leg.SetVideoEnabledAsync(enabled, cancellationToken).ConfigureAwait(false);
        }
    }

    public Guid CallGuid { get; }

    public CallMedia Media { get; private set; }

    /// <summary>The callee's answer: its devices replace the empty ones the offer created.</summary>
    public void UseAnswerMedia(CallMedia media, byte[] calleeSecret)
    {
        lock (_gate)
        {
            Media = media;
            CalleeSecret = calleeSecret;
            _videoEnabled = media.Video && media.VideoSource is not null;
        }
    }

    public bool OfferedVideo { get; }

    public byte[] CallerSecret { get; }

    public byte[]? CalleeSecret { get; set; }

    /// <summary>Where the caller dials (and redials after a drop); null on the callee's side.</summary>
    public EndpointAddr? PeerAddress { get; init; }

    public bool IsCaller => Direction == CallDirection.Outgoing;

    public IAudioSource AudioSource => Media.AudioSource ?? _silence;

    public IAudioSink AudioSink => Media.AudioSink ?? _discard;

    public CallLeg? Leg
    {
        get
        {
            lock (_gate)
            {
                return _leg;
            }
        }
    }

    /// <summary>Epochs of this call's legs: the next one this side opens (the caller) or the ones it accepted (the callee).</summary>
    public LegEpochs Epochs { get; } = new();

    private readonly SilenceSource _silence = new();
    private readonly DiscardAudioSink _discard = new();

    public bool TryActivate()
    {
        lock (_gate)
        {
            if (_state != CallState.Ringing)
            {
                return false;
            }

            _state = CallState.Active;
            _answeredAt = _time.GetTimestamp();
            HadVideo |= _videoEnabled;
            return true;
        }
    }

    /// <summary>Moves to Ended once; returns false when it already ended.</summary>
    public bool TryEnd(out CallLeg? leg)
    {
        lock (_gate)
        {
            leg = null;
            if (_state == CallState.Ended)
            {
                return false;
            }

            _duration = _state == CallState.Active ? _time.GetElapsedTime(_answeredAt) : TimeSpan.Zero;
            _state = CallState.Ended;
            leg = DetachLegLocked();
            // No leg can start any more: the secrets every leg key derives from are not needed and are wiped.
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(CallerSecret);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(CalleeSecret);
            return true;
        }
    }

    public void Complete(CallEndReason reason) => _completion.TrySetResult(reason);

    /// <summary>Installs a new leg; returns the one it replaces. Fails when the call is not active.</summary>
    public bool TryAttachLeg(CallLeg leg, out CallLeg? previous)
    {
        lock (_gate)
        {
            previous = null;
            if (_state != CallState.Active)
            {
                return false;
            }

            previous = DetachLegLocked();
            _leg = leg;
            return true;
        }
    }

    /// <summary>Removes a lost leg (if still current), keeping its counters.</summary>
    public bool TryDetachLeg(CallLeg leg)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_leg, leg))
            {
                return false;
            }

            DetachLegLocked();
            return true;
        }
    }

    private CallCounters CountersLocked() => new()
    {
        AudioFramesSent = SumLocked(l => l.AudioFramesSent),
        AudioFramesPlayed = SumLocked(l => l.AudioFramesPlayed),
        ConcealedFrames = SumLocked(l => l.ConcealedFrames),
        FecRecoveredFrames = SumLocked(l => l.FecRecoveredFrames),
        LateFrames = SumLocked(l => l.LateFrames),
        RejectedFrames = SumLocked(l => l.RejectedAudioFrames),
        VideoFramesSent = SumLocked(l => l.VideoFramesSent),
        VideoFramesDecoded = SumLocked(l => l.VideoFramesDecoded),
        VideoFramesSkipped = SumLocked(l => l.VideoFramesSkipped),
        KeyframeRequestsSent = SumLocked(l => l.KeyframeRequestsSent),
        KeyframeRequestsReceived = SumLocked(l => l.KeyframeRequestsReceived),
        KeyframeRequestsHonoured = SumLocked(l => l.KeyframeRequestsHonoured),
    };

    private long SumLocked(Func<CallLeg, long> counter) => _pastLegs.Sum(counter) + (_leg is { } current ? counter(current) : 0);

    private CallLeg? DetachLegLocked()
    {
        var leg = _leg;
        if (leg is not null)
        {
            _pastLegs.Add(leg);
            _leg = null;
        }

        return leg;
    }

    public TimeSpan Duration
    {
        get
        {
            lock (_gate)
            {
                return _duration;
            }
        }
    }

    public void OnStats(CallStats stats, CallVideoStats? video)
    {
        // The counters are the call's running totals over every connection so far (the same as Counters), not the
        // current connection's own counts, which restart with each connection.
        CallQuality? qualityWas;
        var lastGap = Watchdog?.LastGap; // outside the lock: the watchdog reads this call's counters under it
        lock (_gate)
        {
            stats = stats with { Counters = CountersLocked() };
            (var concealment, qualityWas) = _quality.Update(stats);
            stats = stats with
            {
                ConcealmentFraction = concealment,
                Quality = _quality.Level,
                Path = Leg?.Connection.Path,
                Reconnections = Math.Max(0, Volatile.Read(ref LegsStarted) - 1),
                LastReconnectionGap = lastGap,
            };
        }

        Volatile.Write(ref _latestStats, stats);
        _runtime.Telemetry.Concealed(this, stats);
        if (video is not null)
        {
            Volatile.Write(ref _latestVideoStats, video);
        }

        _runtime.Raise(new CallStatsEvent(Id, Peer, stats, video));
        if (qualityWas is { } previous)
        {
            _runtime.Raise(new CallQualityChangedEvent(Id, Peer, previous, stats.Quality, stats));
        }
    }

    public void OnReceivedAudioCompleted(Task completion)
    {
        if (completion.IsCompletedSuccessfully)
        {
            _receivedAudioEnded.TrySetResult();
        }
    }

    /// <summary>Whether the peer says its video is on (from its control messages).</summary>
    public bool PeerVideoEnabled { get; private set; }

    public void OnPeerVideoChanged(bool enabled)
    {
        PeerVideoEnabled = enabled;
        if (enabled)
        {
            MarkVideoUsed();
        }
    }

    /// <summary>Appends a received frame to the call's IVF output (<see cref="CallMedia.ReceivedVideoIvf"/>), if any; false once the call ended (drop the frame).</summary>
    public ValueTask<bool> WriteReceivedVideoAsync(VideoFrameHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        _receivedVideo.WriteAsync(Media.ReceivedVideoIvf, header, payload, () => State == CallState.Ended, cancellationToken);

    /// <summary>Finishes the IVF output (its header gets the frame count); the stream stays open for the app.</summary>
    public ValueTask CloseReceivedVideoAsync() => _receivedVideo.CloseAsync();

    /// <summary>Set when this side hangs up: a connection closing from now on is the end, not a drop to restore.</summary>
    public bool Ending { get; set; }

    public void MarkVideoUsed()
    {
        lock (_gate)
        {
            HadVideo = true;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id} ({Direction}, {State}) with {Peer.ToShortString()}";
}
