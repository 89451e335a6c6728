using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Benchmarks.Formats;

/// <summary>
/// A 256-row × K=2048 K-quant weight block times 1 (decode) or 64 (prefill) Q8_K columns, cut into the blocks
/// MatMulTiling hands to one thread (64 rows × 1 column, 16 × 16): <see cref="RowFormat.DotTile"/> of the format
/// against the per-element <see cref="RowFormat.VecDot"/> loop it replaces. Active SIMD tier.
/// </summary>
[MemoryDiagnoser]
public unsafe class KQuantDotTileBenchmarks
{
    private const int K = 2048;
    private const int Rows = 256;
    private RowFormat _format = null!;
    private byte* _weights;
    private byte* _activations;
    private byte** _columns;
    private float** _outputs;
    private long _rowBytes;
    private int _rowBlock;
    private int _colBlock;

    [Params(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K)]
    public GgmlType Type { get; set; }

    [Params(1, 64)]
    public int Columns { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _format = RowFormats.Get(Type);
        RowFormat dot = RowFormats.Get(_format.VecDotType);
        _rowBytes = TypeTraits.RowSize(Type, K);
        long colBytes = TypeTraits.RowSize(dot.Type, K);
        _weights = (byte*)NativeMemory.AlignedAlloc((nuint)(_rowBytes * Rows), 64);
        _activations = (byte*)NativeMemory.AlignedAlloc((nuint)(colBytes * Columns), 64);
        _columns = (byte**)NativeMemory.Alloc((nuint)(Columns * sizeof(byte*)));
        _outputs = (float**)NativeMemory.Alloc((nuint)(Columns * sizeof(float*)));
        _rowBlock = Columns == 1 ? 64 : 16;
        _colBlock = Math.Min(Columns, 16);
        var rng = new Random(1);
        float[] row = new float[K];
        fixed (float* p = row)
        {
            for (int r = 0; r < Rows; r++)
            {
                Fill(row, rng);
                _format.FromFloat(p, _weights + (r * _rowBytes), K);
            }
            for (int c = 0; c < Columns; c++)
            {
                Fill(row, rng);
                _columns[c] = _activations + (c * colBytes);
                dot.FromFloat(p, _columns[c], K);
                _outputs[c] = (float*)NativeMemory.AlignedAlloc(Rows * sizeof(float), 64);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        for (int c = 0; c < Columns; c++)
        {
            NativeMemory.AlignedFree(_outputs[c]);
        }
        NativeMemory.Free(_outputs);
        NativeMemory.Free(_columns);
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_activations);
    }

    [Benchmark(Baseline = true)]
    public void VecDotLoop()
    {
        for (int c = 0; c < Columns; c++)
        {
            for (int r = 0; r < Rows; r++)
            {
                _outputs[c][r] = _format.VecDot(K, _weights + (r * _rowBytes), _columns[c]);
            }
        }
    }

    [Benchmark]
    public void DotTile()
    {
        for (int c = 0; c < Columns; c += _colBlock)
        {
            for (int r = 0; r < Rows; r += _rowBlock)
            {
                _format.DotTile(K, _weights + (r * _rowBytes), _rowBytes, _rowBlock, _columns + c, _colBlock, _outputs + c, r);
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
