using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// <see cref="RowFormat.VecDot"/> of 256 weight rows of 4096 values (the quantized GEMV inner loop) against one
/// activation row in the type's vec_dot format, per SIMD tier (without AVX2 every tier runs the scalar code; the AVX-512 tier
/// runs as two AVX2 halves without AVX-512). Weight bandwidth = 256 × row bytes / mean time.
/// </summary>
[MemoryDiagnoser]
public unsafe class QuantDotBenchmarks
{
    private const int K = 4096;
    private const int Rows = 256;
    private RowFormat _format = null!;
    private byte* _weights;
    private byte* _activations;
    private long _rowBytes;

    [Params(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q3_K, GgmlType.Q2_K)]
    public GgmlType Type { get; set; }

    [Params(SimdLevel.Scalar, SimdLevel.Vector128, SimdLevel.Avx2, SimdLevel.Avx512)]
    public SimdLevel Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _format = Create(Type, SimdSupport.IsAvailable(Level) || SimdSupport.IsAvailable(SimdLevel.Avx2) ? Level : SimdLevel.Scalar);
        RowFormat dot = RowFormats.Get(_format.VecDotType);
        _rowBytes = TypeTraits.RowSize(Type, K);
        _weights = (byte*)NativeMemory.AlignedAlloc((nuint)(_rowBytes * Rows), 64);
        _activations = (byte*)NativeMemory.AlignedAlloc((nuint)TypeTraits.RowSize(dot.Type, K), 64);
        var rng = new Random(1);
        float[] row = new float[K];
        fixed (float* p = row)
        {
            for (int r = 0; r < Rows; r++)
            {
                Fill(row, rng);
                _format.FromFloat(p, _weights + r * _rowBytes, K);
            }
            Fill(row, rng);
            dot.FromFloat(p, _activations, K);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_activations);
    }

    [Benchmark]
    public float DotRows()
    {
        float sum = 0;
        for (int r = 0; r < Rows; r++)
        {
            sum += _format.VecDot(K, _weights + r * _rowBytes, _activations);
        }
        return sum;
    }

    private static void Fill(float[] row, Random rng)
    {
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = (float)(rng.NextDouble() * 2 - 1);
        }
    }

    private static RowFormat Create(GgmlType type, SimdLevel level) => type switch
    {
        GgmlType.Q4_0 => new Q4_0Format(level),
        GgmlType.Q8_0 => new Q8_0Format(level),
        GgmlType.Q2_K => new Q2_KFormat(level),
        GgmlType.Q3_K => new Q3_KFormat(level),
        GgmlType.Q4_K => new Q4_KFormat(level),
        GgmlType.Q5_K => new Q5_KFormat(level),
        GgmlType.Q6_K => new Q6_KFormat(level),
        _ => RowFormats.Get(type),
    };
}
