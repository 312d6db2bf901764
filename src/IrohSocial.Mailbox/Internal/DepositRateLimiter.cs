using IrohSocial.Crypto;

namespace IrohSocial.Mailbox.Internal;

/// <summary>A token bucket per depositor, on the service's clock. Full buckets are forgotten when the table grows large.</summary>
internal sealed class DepositRateLimiter(double perSecond, int burst, TimeProvider time)
{
    private const int MaxTracked = 10_000;
    private readonly Dictionary<EndpointId, (double Tokens, long Stamp)> _buckets = [];
    private readonly Lock _gate = new();

    public bool TryTake(EndpointId depositor)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            var tokens = _buckets.TryGetValue(depositor, out var bucket)
                ? Math.Min(burst, bucket.Tokens + (time.GetElapsedTime(bucket.Stamp, now).TotalSeconds * perSecond))
                : burst;
            if (tokens < 1)
            {
                _buckets[depositor] = (tokens, now);
                return false;
            }

            if (_buckets.Count >= MaxTracked && !_buckets.ContainsKey(depositor))
            {
                Prune(now);
            }

            _buckets[depositor] = (tokens - 1, now);
            return true;
        }
    }

    private void Prune(long now)
    {
        foreach (var (id, bucket) in _buckets.ToList())
        {
            if (bucket.Tokens + (time.GetElapsedTime(bucket.Stamp, now).TotalSeconds * perSecond) >= burst)
            {
                _buckets.Remove(id);
            }
        }
    }
}
