using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;

namespace RpcWorker.Benchmarks.Compute.Attention;

/// <summary>
/// FLASH_ATTN_EXT for one decode step of the 1.1B llama: 32 query heads over 4 KV heads, head size 64, F16 K/V, the
/// last quarter of the cache not yet filled (−∞ in the mask). 256 KV rows run the one-chunk path (what llama-bench tg128
/// sees), 4096 the split-KV path; on 1 and 2 threads at the hardware SIMD level.
/// </summary>
[MemoryDiagnoser]
public unsafe class FlashAttnDecodeBenchmarks
{
    private const long HeadSize = 64, QueryHeads = 32, KvHeads = 4;

    private KernelHarness _harness = null!;

    [Params(256, 4096)]
    public int KvRows { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _harness = new KernelHarness();
        var rng = new Random(1);
        Tensor q = _harness.New(GgmlType.F32, HeadSize, 1, QueryHeads);
        Tensor k = _harness.New(GgmlType.F16, HeadSize, KvRows, KvHeads);
        Tensor v = _harness.New(GgmlType.F16, HeadSize, KvRows, KvHeads);
        Tensor mask = _harness.New(GgmlType.F16, KvRows, 1);
        KernelHarness.Fill(q, rng);
        KernelHarness.Fill(k, rng);
        KernelHarness.Fill(v, rng);
        ushort* m = (ushort*)mask.Data;
        for (int i = 0; i < KvRows; i++)
        {
            m[i] = BitConverter.HalfToUInt16Bits(i < KvRows * 3 / 4 ? Half.Zero : Half.NegativeInfinity);
        }
        _harness.PrepareFlashAttn(q, k, v, mask, Threads);
    }

    [Benchmark]
    public void FlashAttn() => _harness.Run();

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
