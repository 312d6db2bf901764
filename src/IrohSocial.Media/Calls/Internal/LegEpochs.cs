namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// The epochs of a call's legs. Each epoch selects its own keys, so one epoch must back at most one leg: the
/// caller takes the next one, the callee claims the epoch a control stream names. Both are atomic, so two
/// control streams that race cannot both start legs (and two sets of streams) under the same keys.
/// </summary>
internal sealed class LegEpochs
{
    private readonly Lock _gate = new();
    private uint _next;

    /// <summary>The caller's next epoch (0, 1, 2, ...).</summary>
    public uint Next()
    {
        lock (_gate)
        {
            return _next++;
        }
    }

    /// <summary>The callee claims <paramref name="epoch"/>: true once, and only when no later epoch was claimed before.</summary>
    public bool TryClaim(uint epoch)
    {
        lock (_gate)
        {
            if (epoch < _next || epoch == uint.MaxValue)
            {
                return false;
            }

            _next = epoch + 1;
            return true;
        }
    }
}
