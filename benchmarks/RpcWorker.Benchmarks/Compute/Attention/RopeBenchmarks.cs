using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Benchmarks.Compute.Attention;

/// <summary>ROPE on a prefill-sized Q tensor [128, 32 heads, 256 tokens] for normal and NeoX modes, F32 and F16, per SIMD level.</summary>
[MemoryDiagnoser]
public unsafe class RopeBenchmarks
{
    private KernelHarness _harness = null!;

    [Params(0, 2)]
    public int Mode { get; set; }

    [Params(GgmlType.F32, GgmlType.F16)]
    public GgmlType Type { get; set; }

    [Params(SimdLevel.Scalar, SimdLevel.Avx512)]
    public SimdLevel Level { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _harness = new KernelHarness();
        var rng = new Random(1);
        Tensor src = _harness.New(Type, 128, 32, 256);
        KernelHarness.Fill(src, rng);
        Tensor pos = _harness.New(GgmlType.I32, 256);
        for (int i = 0; i < 256; i++)
        {
            ((int*)pos.Data)[i] = i;
        }
        Tensor dst = _harness.New(Type, 128, 32, 256);
        dst.Op = GgmlOp.Rope;
        dst.Src[0] = src;
        dst.Src[1] = pos;
        dst.Params[1] = 128;
        dst.Params[2] = Mode;
        dst.Params[5] = BitConverter.SingleToInt32Bits(10000f);
        dst.Params[6] = BitConverter.SingleToInt32Bits(1f);
        dst.Params[8] = BitConverter.SingleToInt32Bits(1f);
        SimdLevel level = Level <= SimdSupport.Hardware ? Level : SimdSupport.Hardware;
        _harness.Prepare(new RopeKernel(forward: true, level), dst, 1);
    }

    [Benchmark]
    public void Rope() => _harness.Run();

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
