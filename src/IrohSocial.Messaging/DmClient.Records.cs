using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Records;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging;

public sealed partial class DmClient
{
    /// <summary>
    /// Claims a record kind for the extension that holds <paramref name="kind"/> (once per name; registering the same
    /// instance again does nothing). Records of the kind are then read and written only through that instance.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another instance already claimed the name.</exception>
    public void RegisterRecordKind<T>(RecordKind<T> kind)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ThrowIfDisposed();
        _records.Register(kind.Name, kind);
    }

    /// <summary>Saves <paramref name="record"/> (sealed at rest; replaces one of the same kind and id) in one store transaction.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="kind"/> was not registered with <see cref="RegisterRecordKind{T}"/>.</exception>
    public async Task SaveRecordAsync<T>(RecordKind<T> kind, ExtensionRecord<T> record, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(record.Body);
        ArgumentException.ThrowIfNullOrEmpty(record.Id);
        if (Encoding.UTF8.GetByteCount(record.Id) > StoredRecord.MaxIdBytes)
        {
            throw new ArgumentException($"A record id is at most {StoredRecord.MaxIdBytes} bytes of UTF-8.", nameof(record));
        }

        ThrowIfDisposed();
        _records.ThrowIfNotOwner(kind.Name, kind);
        var body = JsonSerializer.SerializeToUtf8Bytes(record.Body, kind.TypeInfo);
        await _options.Store.ApplyAsync([new SaveRecord(new StoredRecord(kind.Name, record.Id, record.Peer, record.Time, body))], cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> records of <paramref name="kind"/> with <paramref name="peer"/> (every peer
    /// when null) from before <paramref name="before"/> (all when null), newest first. A stored body that no longer
    /// decodes is left out and logged.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="kind"/> was not registered with <see cref="RegisterRecordKind{T}"/>.</exception>
    public async Task<IReadOnlyList<ExtensionRecord<T>>> GetRecordsAsync<T>(
        RecordKind<T> kind, EndpointId? peer = null, int limit = 50, DateTimeOffset? before = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        _records.ThrowIfNotOwner(kind.Name, kind);
        var stored = await _options.Store.GetRecordsAsync(kind.Name, peer, limit, before, cancellationToken).ConfigureAwait(false);
        var result = new List<ExtensionRecord<T>>(stored.Count);
        foreach (var record in stored)
        {
            T? body = null;
            try
            {
                body = JsonSerializer.Deserialize(record.Body, kind.TypeInfo);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                Log.UnreadableRecord(_logger, kind.Name, ex.GetType().Name);
            }

            if (body is not null)
            {
                result.Add(new ExtensionRecord<T>(record.Id, record.Peer, record.Time, body));
            }
        }

        return result;
    }
}
