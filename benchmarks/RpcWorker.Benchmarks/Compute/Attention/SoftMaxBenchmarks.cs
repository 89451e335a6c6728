using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Kernels.Attention;
using Tensor = RpcWorker.Compute.Tensor;

namespace RpcWorker.Benchmarks.Compute.Attention;

/// <summary>
/// SOFT_MAX over attention-score rows (scale + F16 mask, as llama.cpp without flash attention): our kernel at the scalar
/// and the hardware SIMD level, against <see cref="TensorPrimitives.SoftMax"/> on the same rows (no mask) as a baseline.
/// </summary>
[MemoryDiagnoser]
public unsafe class SoftMaxBenchmarks
{
    private KernelHarness _harness = null!;
    private Tensor _src = null!;
    private Tensor _dst = null!;

    [Params(128, 4096)]
    public int RowLength { get; set; }

    [Params(SimdLevel.Scalar, SimdLevel.Avx512)]
    public SimdLevel Level { get; set; }

    private const int Rows = 256;

    [GlobalSetup]
    public void Setup()
    {
        _harness = new KernelHarness();
        var rng = new Random(1);
        _src = _harness.New(GgmlType.F32, RowLength, Rows);
        Tensor mask = _harness.New(GgmlType.F16, RowLength, Rows);
        KernelHarness.Fill(_src, rng, -4, 4);
        KernelHarness.Fill(mask, rng, -1, 0);
        _dst = _harness.New(GgmlType.F32, RowLength, Rows);
        _dst.Op = GgmlOp.SoftMax;
        _dst.Src[0] = _src;
        _dst.Src[1] = mask;
        _dst.Params[0] = BitConverter.SingleToInt32Bits(0.125f);
        SimdLevel level = Level <= SimdSupport.Hardware ? Level : SimdSupport.Hardware;
        _harness.Prepare(new SoftMaxKernel(level), _dst, 1);
    }

    [Benchmark]
    public void Kernel() => _harness.Run();

    [Benchmark(Baseline = true)]
    public void TensorPrimitivesSoftMax()
    {
        for (long r = 0; r < Rows; r++)
        {
            TensorPrimitives.SoftMax(new ReadOnlySpan<float>(_src.RowPtr(r, 0, 0), RowLength), new Span<float>(_dst.RowPtr(r, 0, 0), RowLength));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
