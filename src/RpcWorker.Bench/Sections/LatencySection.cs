using System.Diagnostics;
using RpcWorker.Client;

namespace RpcWorker.Bench.Sections;

/// <summary>Round-trip latency: connect + HELLO, and GET_DEVICE_MEMORY on an open connection.</summary>
internal sealed class LatencySection : IBenchSection
{
    public string Name => "latency";

    public async Task RunAsync(BenchContext context)
    {
        var connects = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            context.Progress.Show(Name, $"connect + HELLO {i + 1}/20");
            long start = Stopwatch.GetTimestamp();
            await using RpcClient c = await context.ConnectAsync();
            connects.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        Report(context, "connect+HELLO", Stats.Of(connects));

        await using RpcClient client = await context.ConnectAsync();
        context.Progress.Show(Name, "GET_DEVICE_MEMORY round trips");
        List<double> rtts = await context.RepeatAsync(() => client.GetDeviceMemoryAsync(0, context.CancellationToken), minRuns: 1000, maxRuns: 200_000);
        Report(context, "GET_DEVICE_MEMORY", Stats.Of(rtts));
    }

    private void Report(BenchContext context, string benchCase, Stats stats)
    {
        context.Add(Name, benchCase, "median", stats.Median * 1e6, "us");
        context.Add(Name, benchCase, "p99", stats.P99 * 1e6, "us");
    }
}
