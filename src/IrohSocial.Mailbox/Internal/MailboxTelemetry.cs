using System.Diagnostics.Metrics;

namespace IrohSocial.Mailbox.Internal;

/// <summary>
/// The <c>IrohSocial.Mailbox</c> meter of one <see cref="MailboxService"/> (docs/observability.md lists the
/// instruments). From <see cref="MailboxServiceOptions.MeterFactory"/> when given (the factory owns it), otherwise the
/// service owns it. Tags name outcomes and refusal reasons only, never an owner or a depositor. The mailbox has no
/// activities: its requests are short and carry nothing worth tracing that a peer id would not give away.
/// </summary>
internal sealed class MailboxTelemetry : IDisposable
{
    /// <summary>Name of the meter.</summary>
    public const string Name = "IrohSocial.Mailbox";

    private static readonly KeyValuePair<string, object?> StoredTag = new("irohsocial.mailbox.outcome", "stored");
    private static readonly KeyValuePair<string, object?> ExistsTag = new("irohsocial.mailbox.outcome", "exists");
    private static readonly KeyValuePair<string, object?> RefusedTag = new("irohsocial.mailbox.outcome", "refused");

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _deposits;
    private readonly Counter<long> _depositedBytes;
    private readonly Counter<long> _acked;
    private readonly Counter<long> _expired;

    public MailboxTelemetry(IMeterFactory? meterFactory)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _deposits = _meter.CreateCounter<long>("irohsocial.mailbox.deposits", "{deposit}", "Deposits answered, by outcome (stored, exists, refused) and refusal reason.");
        _depositedBytes = _meter.CreateCounter<long>("irohsocial.mailbox.deposited_bytes", "By", "Bytes of the blobs stored (padded ciphertext).");
        _acked = _meter.CreateCounter<long>("irohsocial.mailbox.acked", "{blob}", "Blobs their owners acknowledged (removed).");
        _expired = _meter.CreateCounter<long>("irohsocial.mailbox.expired", "{blob}", "Blobs the sweep removed after their time to live.");
    }

    public void Stored(int bytes)
    {
        _deposits.Add(1, StoredTag);
        _depositedBytes.Add(bytes);
    }

    public void Exists() => _deposits.Add(1, ExistsTag);

    public void Refused(MailboxRefusal reason)
    {
        if (_deposits.Enabled)
        {
            _deposits.Add(1, RefusedTag, new("irohsocial.mailbox.refusal", ReasonName(reason)));
        }
    }

    public void Acked(int count) => _acked.Add(count);

    public void Expired(int count) => _expired.Add(count);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static string ReasonName(MailboxRefusal reason) => reason switch
    {
        MailboxRefusal.NotAllowed => "not_allowed",
        MailboxRefusal.TooLarge => "too_large",
        MailboxRefusal.Quota => "quota",
        MailboxRefusal.Rate => "rate",
        MailboxRefusal.NoMailbox => "no_mailbox",
        MailboxRefusal.BadRequest => "bad_request",
        _ => "other",
    };
}
