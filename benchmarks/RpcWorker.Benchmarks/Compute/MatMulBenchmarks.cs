using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// MUL_MAT through the real planner and executor: GEMV (decode, one column) and GEMM (64 and, prefill-sized, 512 columns)
/// for F32, F16 and BF16 weights, on 1 and 2 threads (<see cref="DotRowsBaselineBenchmarks"/> is the plain-library baseline).
/// GFLOP/s = 2·M·N·K / mean time.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public unsafe class MatMulBenchmarks
{
    private readonly MemoryBudget _budget = new(ulong.MaxValue);
    private readonly List<NativeBuffer> _buffers = [];
    private GraphExecutor _executor = null!;
    private GraphPlan _plan = null!;
    private Tensor _a = null!;
    private Tensor _b = null!;
    private Tensor _dst = null!;

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "gemv 2048x2048";

    [Params(GgmlType.F32, GgmlType.F16, GgmlType.BF16)]
    public GgmlType Weights { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<string> Shapes() => ["gemv 2048x2048", "gemm 1024x1024x64", "gemm 2048x2048x512"];

    /// <summary>(rows M, length K, columns N) of a shape name.</summary>
    internal static (long M, long K, long N) Dimensions(string shape) => shape switch
    {
        "gemm 1024x1024x64" => (1024L, 1024L, 64L),
        "gemm 2048x2048x512" => (2048L, 2048L, 512L),
        _ => (2048L, 2048L, 1L),
    };

    [GlobalSetup]
    public void Setup()
    {
        (long m, long k, long n) = Dimensions(Shape);
        _a = NewTensor(_budget, _buffers, Weights, k, m);
        _b = NewTensor(_budget, _buffers, GgmlType.F32, k, n);
        _dst = NewTensor(_budget, _buffers, GgmlType.F32, m, n);
        _dst.Op = GgmlOp.MulMat;
        _dst.Src[0] = _a;
        _dst.Src[1] = _b;
        var rng = new Random(1);
        Fill(_a, rng);
        Fill(_b, rng);
        _executor = new GraphExecutor(Threads, _budget);
        _plan = _executor.Plan(new ComputeGraph([_dst]));
    }

    [Benchmark]
    public void MulMat() => _executor.Execute(_plan);

    [GlobalCleanup]
    public void Cleanup()
    {
        _executor.Dispose();
        foreach (NativeBuffer b in _buffers)
        {
            b.Dispose();
        }
        _buffers.Clear();
    }

    internal static Tensor NewTensor(MemoryBudget budget, List<NativeBuffer> buffers, GgmlType type, long ne0, long ne1)
    {
        var t = new Tensor { Type = type };
        t.Ne[0] = ne0;
        t.Ne[1] = ne1;
        t.Ne[2] = 1;
        t.Ne[3] = 1;
        t.Nb = TensorLayout.ContiguousStrides(type, t.Ne);
        NativeBuffer buffer = NativeBuffer.TryAllocate(budget, (ulong)t.NBytes) ?? throw new OutOfMemoryException();
        buffers.Add(buffer);
        t.Data = (nint)buffer.Pointer;
        return t;
    }

    internal static void Fill(Tensor t, Random rng)
    {
        var values = new float[t.NElements];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }
        fixed (float* src = values)
        {
            RpcWorker.Compute.Formats.RowFormats.Get(t.Type).FromFloat(src, t.DataPtr, values.Length);
        }
    }
}
