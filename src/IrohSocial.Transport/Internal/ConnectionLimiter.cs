using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal;

/// <summary>
/// Counts established inbound connections, in total and per proven remote id. Only peers that finished the
/// handshake and proved an identity take a slot; handshakes in progress are budgeted by <see cref="PendingHandshakes"/>.
/// </summary>
internal sealed class ConnectionLimiter(int maxTotal, int maxPerPeer)
{
    private readonly Dictionary<EndpointId, int> _perPeer = [];
    private int _total;

    /// <summary>Established inbound connections right now.</summary>
    public int Total
    {
        get
        {
            lock (_perPeer)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a slot for <paramref name="id"/>, or says which limit refuses it (null when admitted).</summary>
    public string? TryAdmit(EndpointId id)
    {
        lock (_perPeer)
        {
            if (_total >= maxTotal)
            {
                return "too many connections";
            }

            _perPeer.TryGetValue(id, out var count);
            if (count >= maxPerPeer)
            {
                return "too many connections from this endpoint id";
            }

            _perPeer[id] = count + 1;
            _total++;
            return null;
        }
    }

    /// <summary>Gives back the slot a successful <see cref="TryAdmit"/> took.</summary>
    public void Release(EndpointId id)
    {
        lock (_perPeer)
        {
            _total--;
            if (_perPeer.TryGetValue(id, out var count) && count > 1)
            {
                _perPeer[id] = count - 1;
            }
            else
            {
                _perPeer.Remove(id);
            }
        }
    }
}
