using System.Diagnostics;
using RpcWorker.Client;

namespace RpcWorker.Bench;

/// <summary>What every section shares: options, a way to connect, the results so far and the progress line.</summary>
internal sealed class BenchContext(BenchOptions options, ProgressDisplay progress, CancellationToken cancellationToken)
{
    public BenchOptions Options { get; } = options;

    public ProgressDisplay Progress { get; } = progress;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public List<BenchResult> Results { get; } = [];

    public void Add(string section, string benchCase, string metric, double value, string unit) =>
        Results.Add(new BenchResult(section, benchCase, metric, value, unit));

    /// <summary>A new connection that has completed HELLO.</summary>
    public async Task<RpcClient> ConnectAsync()
    {
        RpcClient client = await RpcClient.ConnectAsync(Options.Host, Options.Port, CancellationToken);
        await client.HelloAsync(CancellationToken);
        return client;
    }

    /// <summary>Runs <paramref name="action"/> repeatedly for about <see cref="BenchOptions.Seconds"/> (at least <paramref name="minRuns"/>) and returns each run's seconds.</summary>
    public async Task<List<double>> RepeatAsync(Func<Task> action, int minRuns = 3, int maxRuns = int.MaxValue)
    {
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < maxRuns && (samples.Count < minRuns || total.Elapsed.TotalSeconds < Options.Seconds))
        {
            CancellationToken.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            await action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return samples;
    }
}
