using RpcWorker.Client;
using RpcWorker.Compute;

namespace RpcWorker.Bench.Sections;

/// <summary>SET_TENSOR and GET_TENSOR throughput from 4 KiB up to the configured maximum.</summary>
internal sealed class TransferSection : IBenchSection
{
    public string Name => "transfer";

    public async Task RunAsync(BenchContext context)
    {
        await using RpcClient client = await context.ConnectAsync();
        for (long size = 4096; size <= context.Options.MaxTransferBytes; size *= size < (1 << 20) ? 16 : 4)
        {
            var graph = new WireGraph();
            WireTensor t = graph.Leaf(GgmlType.I8, "transfer", size);
            await using RemoteArena arena = await RemoteArena.AllocateAsync(client, graph.ArenaSize, context.CancellationToken);
            var data = new byte[size];
            Random.Shared.NextBytes(data);
            string label = Label(size);

            context.Progress.Show(Name, $"SET_TENSOR {label}");
            List<double> sets = await context.RepeatAsync(async () =>
            {
                await client.SetTensorAsync(arena.Wire(t), 0, data, context.CancellationToken);
                await client.GetAlignmentAsync(0, context.CancellationToken);
            });
            context.Add(Name, $"SET_TENSOR {label}", "throughput", size / Stats.Of(sets).Median / 1e9, "GB/s");

            context.Progress.Show(Name, $"GET_TENSOR {label}");
            List<double> gets = await context.RepeatAsync(() => client.GetTensorAsync(arena.Wire(t), 0, data, context.CancellationToken));
            context.Add(Name, $"GET_TENSOR {label}", "throughput", size / Stats.Of(gets).Median / 1e9, "GB/s");
        }
    }

    private static string Label(long size) => size >= 1 << 30 ? $"{size >> 30} GiB" : size >= 1 << 20 ? $"{size >> 20} MiB" : $"{size >> 10} KiB";
}
