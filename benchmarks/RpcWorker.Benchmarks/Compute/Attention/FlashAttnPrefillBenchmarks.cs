using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;

namespace RpcWorker.Benchmarks.Compute.Attention;

/// <summary>
/// FLASH_ATTN_EXT as a 1.1B llama prefill sends it: 512 queries, 32 query heads over 4 KV heads (GQA 8), head size 64,
/// 512 F16 K/V rows and a causal F16 mask, on 1 and 2 threads at the hardware SIMD level.
/// </summary>
[MemoryDiagnoser]
public unsafe class FlashAttnPrefillBenchmarks
{
    private const long HeadSize = 64, QueryHeads = 32, KvHeads = 4, KvRows = 512, Queries = 512;

    private KernelHarness _harness = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _harness = new KernelHarness();
        var rng = new Random(1);
        Tensor q = _harness.New(GgmlType.F32, HeadSize, Queries, QueryHeads);
        Tensor k = _harness.New(GgmlType.F16, HeadSize, KvRows, KvHeads);
        Tensor v = _harness.New(GgmlType.F16, HeadSize, KvRows, KvHeads);
        Tensor mask = _harness.New(GgmlType.F16, KvRows, Queries);
        KernelHarness.Fill(q, rng);
        KernelHarness.Fill(k, rng);
        KernelHarness.Fill(v, rng);
        ushort* m = (ushort*)mask.Data;
        ushort minusInf = BitConverter.HalfToUInt16Bits(Half.NegativeInfinity);
        for (long i = 0; i < Queries; i++)
        {
            for (long j = i + 1; j < KvRows; j++)
            {
                m[(i * KvRows) + j] = minusInf;
            }
        }
        _harness.PrepareFlashAttn(q, k, v, mask, Threads);
    }

    [Benchmark]
    public void Prefill() => _harness.Run();

    [GlobalCleanup]
    public void Cleanup() => _harness.Dispose();
}
