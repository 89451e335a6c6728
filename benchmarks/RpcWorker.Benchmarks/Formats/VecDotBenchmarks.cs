using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Benchmarks.Formats;

/// <summary>
/// One weight row dotted with one activation row in the type's vec_dot_type, as MUL_MAT's decode path does, and the
/// activation quantization that precedes it. Runs at the active SIMD tier; set RPCWORKER_SIMD=avx2|v128|scalar to
/// measure a lower one.
/// </summary>
[MemoryDiagnoser]
public unsafe class VecDotBenchmarks
{
    private const int Length = 4096;

    private RowFormat _format = null!;
    private RowFormat _dotFormat = null!;
    private byte* _x;
    private byte* _y;
    private float* _activations;

    [Params(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.IQ4_XS)]
    public GgmlType Type { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _format = RowFormats.Get(Type);
        _dotFormat = RowFormats.Get(_format.VecDotType);
        var rng = new Random(1);
        _activations = (float*)NativeMemory.AlignedAlloc(Length * sizeof(float), 64);
        float* weights = (float*)NativeMemory.AlignedAlloc(Length * sizeof(float), 64);
        for (int i = 0; i < Length; i++)
        {
            weights[i] = (float)rng.NextDouble() * 2 - 1;
            _activations[i] = (float)rng.NextDouble() * 2 - 1;
        }
        _x = (byte*)NativeMemory.AlignedAlloc((nuint)TypeTraits.RowSize(Type, Length), 64);
        _y = (byte*)NativeMemory.AlignedAlloc((nuint)TypeTraits.RowSize(_format.VecDotType, Length), 64);
        _format.FromFloat(weights, _x, Length);
        _dotFormat.FromFloat(_activations, _y, Length);
        NativeMemory.AlignedFree(weights);
    }

    [Benchmark]
    public float VecDot() => _format.VecDot(Length, _x, _y);

    [Benchmark]
    public void QuantizeActivations() => _dotFormat.FromFloat(_activations, _y, Length);

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_x);
        NativeMemory.AlignedFree(_y);
        NativeMemory.AlignedFree(_activations);
    }
}
