namespace IrohSocial.Media.Framing.Internal;

/// <summary>
/// Sliding anti-replay window over frame sequence numbers (the IPsec/DTLS scheme): remembers the last
/// <c>size</c> sequences below the highest one accepted. Hand-written because it is a dozen lines and the
/// check and the commit must be separate (commit only after the frame authenticated).
/// </summary>
internal sealed class ReplayWindow
{
    private readonly bool[] _seen;
    private long _highest = -1;

    public ReplayWindow(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _seen = new bool[size];
    }

    public ReplayCheck Check(uint sequence)
    {
        if (_highest < 0 || sequence > _highest)
        {
            return ReplayCheck.Fresh;
        }

        if (sequence + (long)_seen.Length <= _highest)
        {
            return ReplayCheck.TooOld;
        }

        return _seen[sequence % _seen.Length] ? ReplayCheck.Replayed : ReplayCheck.Fresh;
    }

    /// <summary>Records an authenticated sequence; call only after <see cref="Check"/> returned Fresh.</summary>
    public void Commit(uint sequence)
    {
        if (sequence > _highest)
        {
            // Slots between the old highest and the new one become "not seen yet".
            long clearFrom = Math.Max(_highest + 1, (long)sequence - _seen.Length + 1);
            for (long s = clearFrom; s < sequence; s++)
            {
                _seen[s % _seen.Length] = false;
            }

            _highest = sequence;
        }

        _seen[sequence % _seen.Length] = true;
    }
}

internal enum ReplayCheck
{
    Fresh,
    Replayed,
    TooOld,
}
