using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// The quantized MUL_MAT inner work on one thread: <see cref="RowFormat.DotTile"/> over the blocks MatMulTiling picks
/// (gemv: 5632 weight rows of 2048 against one column; gemm: the same against 64 columns), activations already in Q8_0,
/// against the per-output <see cref="RowFormat.VecDot"/> loop (the default DotTile) as baseline. GFLOP/s = 2·M·N·K / time.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public unsafe class QuantDotTileBenchmarks
{
    private const long K = 2048;
    private const long M = 5632;
    private RowFormat _format = null!;
    private MatMulTiling _tiling;
    private long _n;
    private long _lda;
    private byte* _weights;
    private byte* _activations;
    private float* _output;
    private byte** _cols;
    private float** _dst;

    [Params(GgmlType.Q4_0, GgmlType.Q8_0)]
    public GgmlType Type { get; set; }

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "gemv 2048x5632";

    public static IEnumerable<string> Shapes() => ["gemv 2048x5632", "gemm 2048x5632x64"];

    [GlobalSetup]
    public void Setup()
    {
        _format = RowFormats.Get(Type);
        RowFormat dot = RowFormats.Get(_format.VecDotType);
        _n = Shape.StartsWith("gemm", StringComparison.Ordinal) ? 64 : 1;
        _tiling = MatMulTiling.Choose(WeightKind.Quantized, K, M, _n, 1, 1);
        _lda = TypeTraits.RowSize(Type, K);
        long colBytes = TypeTraits.RowSize(dot.Type, K);
        _weights = (byte*)NativeMemory.AlignedAlloc((nuint)(_lda * M), 64);
        _activations = (byte*)NativeMemory.AlignedAlloc((nuint)(colBytes * _n), 64);
        _output = (float*)NativeMemory.AlignedAlloc((nuint)(M * _n * sizeof(float)), 64);
        _cols = (byte**)NativeMemory.Alloc((nuint)(_n * sizeof(byte*)));
        _dst = (float**)NativeMemory.Alloc((nuint)(_n * sizeof(float*)));
        var rng = new Random(1);
        float[] row = new float[K];
        fixed (float* p = row)
        {
            for (long r = 0; r < M; r++)
            {
                Fill(row, rng);
                _format.FromFloat(p, _weights + (r * _lda), K);
            }
            for (long j = 0; j < _n; j++)
            {
                Fill(row, rng);
                dot.FromFloat(p, _activations + (j * colBytes), K);
                _cols[j] = _activations + (j * colBytes);
                _dst[j] = _output + (j * M);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_activations);
        NativeMemory.AlignedFree(_output);
        NativeMemory.Free(_cols);
        NativeMemory.Free(_dst);
    }

    [Benchmark]
    public void DotTile()
    {
        for (long r0 = 0; r0 < M; r0 += _tiling.RowBlock)
        {
            long rows = Math.Min(_tiling.RowBlock, M - r0);
            for (long c0 = 0; c0 < _n; c0 += _tiling.ColBlock)
            {
                int cols = (int)Math.Min(_tiling.ColBlock, _n - c0);
                _format.DotTile(K, _weights + (r0 * _lda), _lda, rows, _cols + c0, cols, _dst + c0, r0);
            }
        }
    }

    [Benchmark(Baseline = true)]
    public void VecDotLoop()
    {
        for (long r0 = 0; r0 < M; r0 += _tiling.RowBlock)
        {
            long rows = Math.Min(_tiling.RowBlock, M - r0);
            for (long c0 = 0; c0 < _n; c0 += _tiling.ColBlock)
            {
                long cols = Math.Min(_tiling.ColBlock, _n - c0);
                for (long j = c0; j < c0 + cols; j++)
                {
                    for (long i = r0; i < r0 + rows; i++)
                    {
                        _dst[j][i] = _format.VecDot(K, _weights + (i * _lda), _cols[j]);
                    }
                }
            }
        }
    }

    private static void Fill(float[] row, Random rng)
    {
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = (float)((rng.NextDouble() * 2) - 1);
        }
    }
}
