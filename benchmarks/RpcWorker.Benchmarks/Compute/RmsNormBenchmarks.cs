using BenchmarkDotNet.Attributes;
using RpcWorker.Benchmarks.Compute.Attention;
using RpcWorker.Compute;
using RpcWorker.Compute.Kernels.Norms;

namespace RpcWorker.Benchmarks.Compute;

/// <summary>
/// RMS_NORM through the real kernel on a one-thread team: F32 rows of 4096 (a 7B hidden size) for a decode-sized batch
/// (Rows 32) and a prefill chunk (Rows 512).
/// </summary>
[MemoryDiagnoser]
public class RmsNormBenchmarks
{
    private const int Width = 4096;
    private KernelHarness _harness = null!;

    [Params(32, 512)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _harness = new KernelHarness();
        Tensor x = _harness.New(GgmlType.F32, Width, Rows);
        KernelHarness.Fill(x, new Random(1));
        Tensor normed = _harness.New(GgmlType.F32, Width, Rows);
        normed.Op = GgmlOp.RmsNorm;
        normed.Src[0] = x;
        normed.Params[0] = BitConverter.SingleToInt32Bits(1e-5f);
        _harness.Prepare(new RmsNormKernel(), normed, 1);
    }

    [Benchmark]
    public void RmsNorm() => _harness.Run();

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
