namespace RpcWorker.Bench;

/// <summary>Order statistics of a set of timings.</summary>
internal readonly record struct Stats(double Median, double P99, double Min, int Count)
{
    public static Stats Of(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return default;
        }
        double[] sorted = [.. samples];
        Array.Sort(sorted);
        return new Stats(Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted[0], sorted.Length);
    }

    private static double Percentile(double[] sorted, double q)
    {
        double rank = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
