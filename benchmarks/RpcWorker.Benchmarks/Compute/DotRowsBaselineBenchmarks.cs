using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// Baseline for <see cref="MatMulBenchmarks"/>: the same F32 products on one thread, each output one
/// TensorPrimitives.Dot of a weight row and an activation column (no tiling, no threads).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public unsafe class DotRowsBaselineBenchmarks
{
    private readonly MemoryBudget _budget = new(ulong.MaxValue);
    private readonly List<NativeBuffer> _buffers = [];
    private RpcWorker.Compute.Tensor _a = null!;
    private RpcWorker.Compute.Tensor _b = null!;
    private RpcWorker.Compute.Tensor _dst = null!;

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "gemv 2048x2048";

    public static IEnumerable<string> Shapes() => MatMulBenchmarks.Shapes();

    [GlobalSetup]
    public void Setup()
    {
        (long m, long k, long n) = MatMulBenchmarks.Dimensions(Shape);
        _a = MatMulBenchmarks.NewTensor(_budget, _buffers, GgmlType.F32, k, m);
        _b = MatMulBenchmarks.NewTensor(_budget, _buffers, GgmlType.F32, k, n);
        _dst = MatMulBenchmarks.NewTensor(_budget, _buffers, GgmlType.F32, m, n);
        var rng = new Random(1);
        MatMulBenchmarks.Fill(_a, rng);
        MatMulBenchmarks.Fill(_b, rng);
    }

    [Benchmark]
    public void TensorPrimitivesDotRows()
    {
        int k = (int)_a.Ne[0];
        for (long j = 0; j < _b.Ne[1]; j++)
        {
            var col = new ReadOnlySpan<float>(_b.RowPtr(j, 0, 0), k);
            float* d = (float*)_dst.RowPtr(j, 0, 0);
            for (long i = 0; i < _a.Ne[1]; i++)
            {
                d[i] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_a.RowPtr(i, 0, 0), k), col);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (NativeBuffer b in _buffers)
        {
            b.Dispose();
        }
        _buffers.Clear();
    }
}
