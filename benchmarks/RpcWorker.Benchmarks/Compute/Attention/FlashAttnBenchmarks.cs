using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;

namespace RpcWorker.Benchmarks.Compute.Attention;

/// <summary>
/// FLASH_ATTN_EXT with a KV cache of 1024 rows, 8 query heads over 2 KV heads (GQA), head size 128: decode (1 query,
/// split-KV path) and prefill (64 queries), F16 and Q8_0 K/V, on 1 and 2 threads at the hardware SIMD level.
/// </summary>
[MemoryDiagnoser]
public unsafe class FlashAttnBenchmarks
{
    private const long HeadSize = 128, QueryHeads = 8, KvHeads = 2, KvRows = 1024;

    private KernelHarness _harness = null!;

    [Params(1, 64)]
    public int Queries { get; set; }

    [Params(GgmlType.F16, GgmlType.Q8_0)]
    public GgmlType KvType { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _harness = new KernelHarness();
        var rng = new Random(1);
        Tensor q = _harness.New(GgmlType.F32, HeadSize, Queries, QueryHeads);
        Tensor k = _harness.New(KvType, HeadSize, KvRows, KvHeads);
        Tensor v = _harness.New(KvType, HeadSize, KvRows, KvHeads);
        Tensor mask = _harness.New(GgmlType.F16, KvRows, Queries);
        KernelHarness.Fill(q, rng);
        KernelHarness.Fill(k, rng);
        KernelHarness.Fill(v, rng);
        _harness.PrepareFlashAttn(q, k, v, mask, Threads);
    }

    [Benchmark]
    public void FlashAttn() => _harness.Run();

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
