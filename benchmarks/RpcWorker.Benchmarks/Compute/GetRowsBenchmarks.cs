using BenchmarkDotNet.Attributes;
using RpcWorker.Benchmarks.Compute.Attention;
using RpcWorker.Compute;
using RpcWorker.Compute.Kernels.Layout;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// GET_ROWS through the real kernel on a one-thread team: Rows token embeddings of width 4096 gathered to F32 from a
/// 1024-row table in F32, F16 or Q8_0 (the kernel converts each row with its row format's ToFloat).
/// </summary>
[MemoryDiagnoser]
public unsafe class GetRowsBenchmarks
{
    private const int Width = 4096;
    private const int TableRows = 1024;
    private KernelHarness _harness = null!;

    [Params(32, 512)]
    public int Rows { get; set; }

    [Params(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0)]
    public GgmlType TableType { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _harness = new KernelHarness();
        Tensor table = _harness.New(TableType, Width, TableRows);
        KernelHarness.Fill(table, rng);
        Tensor ids = _harness.New(GgmlType.I32, Rows);
        for (int i = 0; i < Rows; i++)
        {
            ((int*)ids.Data)[i] = rng.Next(TableRows);
        }
        Tensor gathered = _harness.New(GgmlType.F32, Width, Rows);
        gathered.Op = GgmlOp.GetRows;
        gathered.Src[0] = table;
        gathered.Src[1] = ids;
        _harness.Prepare(new GetRowsKernel(), gathered, 1);
    }

    [Benchmark]
    public void GetRows() => _harness.Run();

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
