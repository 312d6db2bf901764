namespace IrohSocial.IntegrationTests.Calls.Support;

/// <summary>Alignment by cross-correlation and normalised correlation for comparing sent and received audio.</summary>
internal static class SignalMath
{
    /// <summary>Finds the lag (received is delayed by lag samples) that best aligns the signals, in [0, maxLag].</summary>
    public static int FindLag(short[] reference, short[] received, int maxLag)
    {
        // Coarse search on 8x decimated signals, then refine at full rate: a brute-force search over
        // every lag at 48 kHz would take seconds.
        const int factor = 8;
        double[] a = Decimate(reference, factor), b = Decimate(received, factor);
        int coarse = BestLag(a, b, 0, maxLag / factor);
        int from = Math.Max(0, (coarse * factor) - (2 * factor)), to = Math.Min(maxLag, (coarse * factor) + (2 * factor));
        return BestLag(reference.Select(x => (double)x).ToArray(), received.Select(x => (double)x).ToArray(), from, to);
    }

    /// <summary>Normalised correlation of reference[i] with received[i + lag] over the overlap.</summary>
    public static double Correlation(short[] reference, short[] received, int lag)
    {
        double xy = 0, xx = 0, yy = 0;
        int n = Math.Min(reference.Length, received.Length - lag);
        for (int i = 0; i < n; i++)
        {
            double x = reference[i], y = received[i + lag];
            xy += x * y;
            xx += x * x;
            yy += y * y;
        }

        return xx == 0 || yy == 0 ? 0 : xy / Math.Sqrt(xx * yy);
    }

    public static double AlignedCorrelation(short[] reference, short[] received, int maxLag, out int lag)
    {
        lag = FindLag(reference, received, maxLag);
        return Correlation(reference, received, lag);
    }

    public static double Rms(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (short s in samples)
        {
            sum += (double)s * s;
        }

        return samples.IsEmpty ? 0 : Math.Sqrt(sum / samples.Length);
    }

    private static double[] Decimate(short[] x, int factor)
    {
        var result = new double[x.Length / factor];
        for (int i = 0; i < result.Length; i++)
        {
            double sum = 0;
            for (int k = 0; k < factor; k++)
            {
                sum += x[(i * factor) + k];
            }

            result[i] = sum / factor;
        }

        return result;
    }

    private static int BestLag(double[] a, double[] b, int from, int to)
    {
        int best = from;
        double bestScore = double.NegativeInfinity;
        for (int lag = from; lag <= to; lag++)
        {
            double xy = 0, yy = 0;
            int n = Math.Min(a.Length, b.Length - lag);
            for (int i = 0; i < n; i++)
            {
                xy += a[i] * b[i + lag];
                yy += b[i + lag] * b[i + lag];
            }

            double score = yy == 0 ? 0 : xy / Math.Sqrt(yy);
            if (score > bestScore)
            {
                bestScore = score;
                best = lag;
            }
        }

        return best;
    }
}
