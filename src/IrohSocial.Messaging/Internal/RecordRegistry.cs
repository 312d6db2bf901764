using System.Collections.Concurrent;

namespace IrohSocial.Messaging.Internal;

/// <summary>Which instance owns each record kind name (<see cref="DmClient.RegisterRecordKind{T}"/>).</summary>
internal sealed class RecordRegistry
{
    private readonly ConcurrentDictionary<string, object> _owners = new(StringComparer.Ordinal);

    public void Register(string name, object kind)
    {
        if (!_owners.TryAdd(name, kind) && !ReferenceEquals(_owners[name], kind))
        {
            throw new InvalidOperationException($"Record kind '{name}' is already registered.");
        }
    }

    public void ThrowIfNotOwner(string name, object kind)
    {
        if (!_owners.TryGetValue(name, out var owner) || !ReferenceEquals(owner, kind))
        {
            throw new InvalidOperationException($"Record kind '{name}' is not registered by this instance; call RegisterRecordKind first.");
        }
    }
}
