using RpcWorker.Client;
using RpcWorker.Compute;

namespace RpcWorker.Bench.Sections;

/// <summary>GRAPH_COMPUTE throughput of one MUL_MAT: decode (one column) and prefill (a batch).</summary>
internal sealed class MatMulSection : IBenchSection
{
    public string Name => "matmul";

    public async Task RunAsync(BenchContext context)
    {
        BenchOptions o = context.Options;
        await using RpcClient client = await context.ConnectAsync();
        foreach (long m in new[] { 1L, o.Batch })
        {
            string label = $"{TypeTraits.Get(o.Type).Name} {o.K}x{o.N} x {m} col";
            var graph = new WireGraph();
            WireTensor w = graph.Leaf(o.Type, "weights", o.K, o.N);
            WireTensor x = graph.Leaf(GgmlType.F32, "activations", o.K, m);
            graph.Node(GgmlOp.MulMat, GgmlType.F32, [o.N, m], "product", [w, x]);

            await using RemoteArena arena = await RemoteArena.AllocateAsync(client, graph.ArenaSize, context.CancellationToken);
            context.Progress.Show(Name, $"{label}: uploading");
            var rng = new Random(1);
            await arena.UploadRandomAsync(w, rng, -1, 1, context.CancellationToken);
            await arena.UploadRandomAsync(x, rng, -1, 1, context.CancellationToken);

            context.Progress.Show(Name, $"{label}: computing");
            await arena.ComputeAsync(graph, context.CancellationToken);
            double t = Stats.Of(await context.RepeatAsync(() => arena.RecomputeAsync(context.CancellationToken))).Median;

            string benchCase = m == 1 ? $"decode {label}" : $"prefill {label}";
            context.Add(Name, benchCase, "compute", 2.0 * o.K * o.N * m / t / 1e9, "GFLOP/s");
            context.Add(Name, benchCase, "weights", w.NBytes / t / 1e9, "GB/s");
            context.Add(Name, benchCase, "time", t * 1e3, "ms");
        }
    }
}
