using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// The <c>IrohSocial.Messaging</c> meter and activity source of one <see cref="DmClient"/> (docs/observability.md lists
/// the instruments). The meter comes from <see cref="DmClientOptions.MeterFactory"/> when given (the factory owns it),
/// otherwise the client owns one and disposes it. No tag names a peer, a message id or content.
/// </summary>
internal sealed class MessagingTelemetry : IDisposable
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "IrohSocial.Messaging";

    /// <summary>Activities (send a message). One per process, as .NET's guidance has it: it holds no state of ours.</summary>
    public static readonly ActivitySource Source = new(Name, typeof(MessagingTelemetry).Assembly.GetName().Version?.ToString());

    private static readonly KeyValuePair<string, object?> Inbound = new("irohsocial.dm.direction", "inbound");
    private static readonly KeyValuePair<string, object?> Outbound = new("irohsocial.dm.direction", "outbound");
    private static readonly KeyValuePair<string, object?> FromStream = new("irohsocial.dm.source", "stream");
    private static readonly KeyValuePair<string, object?> FromMailbox = new("irohsocial.dm.source", "mailbox");

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _received;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _deposited;

    // A factory's meter outlives this client; the gauge's callback must not keep the client's channels alive after it.
    private Func<long>? _outboxDepth;

    public MessagingTelemetry(IMeterFactory? meterFactory, Func<long> outboxDepth)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _outboxDepth = outboxDepth;
        _sent = _meter.CreateCounter<long>("irohsocial.dm.envelopes.sent", "{envelope}", "Encrypted envelopes queued on a peer's connection (controls, not acknowledgements).");
        _received = _meter.CreateCounter<long>("irohsocial.dm.envelopes.received", "{envelope}", "Envelopes that decrypted, by source (stream or mailbox).");
        _failed = _meter.CreateCounter<long>("irohsocial.dm.envelopes.failed", "{envelope}", "Envelopes that did not decrypt (inbound) and delivery rounds that failed (outbound), by error.type.");
        _deposited = _meter.CreateCounter<long>("irohsocial.dm.mailbox.deposited", "{envelope}", "Envelopes deposited in an unreachable peer's mailbox.");
        _meter.CreateObservableGauge("irohsocial.dm.outbox.depth", ObserveOutboxDepth, "{entry}", "Entries waiting in the outbox, summed over peers (as last read by their workers).");
    }

    public void EnvelopesSent(int count) => _sent.Add(count);

    public void EnvelopeReceived(bool fromMailbox) => _received.Add(1, fromMailbox ? FromMailbox : FromStream);

    public void DecryptFailed(bool fromMailbox)
    {
        if (_failed.Enabled)
        {
            _failed.Add(1, Inbound, fromMailbox ? FromMailbox : FromStream, new("error.type", "decrypt_failed"));
        }
    }

    public void DeliveryFailed(MessagingError error)
    {
        if (_failed.Enabled)
        {
            _failed.Add(1, Outbound, new("error.type", ErrorType(error)));
        }
    }

    public void Deposited(int count) => _deposited.Add(count);

    public void Dispose()
    {
        Volatile.Write(ref _outboxDepth, null);
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> ObserveOutboxDepth() =>
        Volatile.Read(ref _outboxDepth) is { } depth ? [new Measurement<long>(depth())] : [];

    // Constant strings only: an exception message can name a peer.
    private static string ErrorType(MessagingError error) => error switch
    {
        MessagingError.PeerUnreachable => "peer_unreachable",
        MessagingError.Timeout => "timeout",
        MessagingError.DecryptionFailed => "decryption_failed",
        MessagingError.SenderMismatch => "sender_mismatch",
        MessagingError.MalformedFrame or MessagingError.MalformedEnvelope or MessagingError.MalformedControl => "malformed",
        MessagingError.FrameTooLarge or MessagingError.TooLarge => "too_large",
        _ => "other",
    };
}
