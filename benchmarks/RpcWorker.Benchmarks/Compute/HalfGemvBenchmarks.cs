using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// The F16 decode kernels (<see cref="HalfGemv"/> AVX2, <see cref="HalfGemvAvx512"/>) on one thread: K = 4096, 64 rows
/// (512 KiB of weights, cache-resident: the kernel's own speed) and 14336 rows (112 MiB: memory-bound).
/// Weight bandwidth = rows × 8 KiB / mean time.
/// </summary>
[MemoryDiagnoser]
public unsafe class HalfGemvBenchmarks
{
    private const int K = 4096;
    private ushort* _weights;
    private float* _x;
    private float* _dst;

    [Params("avx2", "avx512")]
    public string Kernel { get; set; } = "";

    [Params(64, 14336)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _weights = (ushort*)NativeMemory.AlignedAlloc((nuint)((long)K * Rows * sizeof(ushort)), 64);
        _x = (float*)NativeMemory.AlignedAlloc(K * sizeof(float), 64);
        _dst = (float*)NativeMemory.AlignedAlloc((nuint)(Rows * sizeof(float)), 64);
        var rng = new Random(1);
        for (long i = 0; i < (long)K * Rows; i++)
        {
            _weights[i] = BitConverter.HalfToUInt16Bits((Half)((rng.NextDouble() * 2) - 1));
        }
        for (int i = 0; i < K; i++)
        {
            _x[i] = (float)(Half)((rng.NextDouble() * 2) - 1);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_x);
        NativeMemory.AlignedFree(_dst);
    }

    [Benchmark]
    public void Gemv()
    {
        if (Kernel == "avx2")
        {
            HalfGemv.Run(K, (byte*)_weights, K * sizeof(ushort), Rows, _x, _dst);
        }
        else
        {
            HalfGemvAvx512.Run(K, (byte*)_weights, K * sizeof(ushort), Rows, _x, _dst);
        }
    }
}
