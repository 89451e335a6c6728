using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Benchmarks.Formats;

/// <summary>
/// Quantizing one 4096-value activation row into a vec_dot_type, the per-node step that precedes every quantized
/// MUL_MAT (the dot products themselves are in <c>Compute/QuantDotBenchmarks</c>).
/// </summary>
[MemoryDiagnoser]
public unsafe class ActivationQuantizationBenchmarks
{
    private const int Length = 4096;

    private RowFormat _format = null!;
    private float* _activations;
    private byte* _quantized;

    [Params(GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q8_K)]
    public GgmlType Type { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _format = RowFormats.Get(Type);
        var rng = new Random(1);
        _activations = (float*)NativeMemory.AlignedAlloc(Length * sizeof(float), 64);
        for (int i = 0; i < Length; i++)
        {
            _activations[i] = (float)rng.NextDouble() * 2 - 1;
        }
        _quantized = (byte*)NativeMemory.AlignedAlloc((nuint)TypeTraits.RowSize(Type, Length), 64);
    }

    [Benchmark]
    public void Quantize() => _format.FromFloat(_activations, _quantized, Length);

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_activations);
        NativeMemory.AlignedFree(_quantized);
    }
}
