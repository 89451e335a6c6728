using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// F16 weights times one float column (decode), AVX-512: <c>dst[i] = Σ_k a_i[k] · x[k]</c>. The 512-bit cousin of
/// <see cref="HalfGemv"/>, with less integer work per weight:
/// <list type="bullet">
/// <item>32 halves are loaded as 16 dwords and widened in place: the odd half of each dword is <c>(d &gt;&gt;ₐ 3) &amp; m</c>,
/// the even one <c>((d &lt;&lt; 16) &gt;&gt;ₐ 3) &amp; m</c> — sign kept, magnitude moved into a float's exponent and mantissa, i.e.
/// the weight times 2^-112 (exact for finite halves, subnormals included). No shuffle at all: the column is split into
/// its even and odd elements instead, once per call and chunk, shared by every row;</item>
/// <item>the 2^112 goes into that split column, so no multiply per weight either. The column holds fp16-rounded
/// activations (<see cref="ActivationRounding"/>), so |x| ≤ 65504 and x·2^112 stays finite;</item>
/// <item>Inf and NaN weights are not handled in the loop: each tile keeps the unsigned maximum of its magnitudes and, if
/// exponent 31 occurred, recomputes its rows for that chunk on the exact path.</item>
/// </list>
/// </summary>
internal static unsafe class HalfGemvAvx512
{
    private const int Step = 32;
    private const int Chunk = 4096;
    private const uint FloatMask = 0x8FFF_E000;

    /// <summary>
    /// How many tiles ahead <see cref="Tile4"/> (and <see cref="HalfGemv"/>'s) prefetches, into L2. With both threads
    /// streaming from memory (Zen 4) two tiles into L2 measured 1.2-1.4x the next tile into L1 (k = 2048: 24-26 → 30-32 GB/s).
    /// </summary>
    internal const int PrefetchTiles = 2;

    public static bool IsSupported => Avx512BW.IsSupported;

    /// <summary>Computes <paramref name="rows"/> rows of <paramref name="a"/> (<paramref name="lda"/> bytes apart) into <paramref name="dst"/>[0..rows).</summary>
    public static void Run(long k, byte* a, long lda, long rows, float* x, float* dst)
    {
        float* split = stackalloc float[Chunk];
        long kv = k - (k % Step);
        for (long c = 0; c < kv; c += Chunk)
        {
            long n = Math.Min(Chunk, kv - c);
            Split(x + c, n, split);
            bool first = c == 0;
            long i = 0;
            for (; i + 4 <= rows; i += 4)
            {
                byte* tile = a + (i * lda) + (c * sizeof(ushort));
                if (!Tile4(n, tile, lda, split, dst + i, first))
                {
                    Exact(n, tile, lda, 4, x + c, dst + i, first);
                }
            }
            for (; i < rows; i++)
            {
                byte* row = a + (i * lda) + (c * sizeof(ushort));
                if (!Tile1(n, row, split, dst + i, first))
                {
                    Exact(n, row, lda, 1, x + c, dst + i, first);
                }
            }
        }
        for (long i = 0; kv < k && i < rows; i++)
        {
            float tail = HalfGemv.Tail(k, kv, (ushort*)(a + (i * lda)), x);
            dst[i] = kv == 0 ? tail : dst[i] + tail;
        }
    }

    /// <summary>
    /// Writes <paramref name="n"/> (a multiple of 32) column elements times 2^112 as, per 32, the 16 even elements and
    /// then the 16 odd ones.
    /// </summary>
    private static void Split(float* x, long n, float* split)
    {
        Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odd = even + Vector512<int>.One;
        Vector512<float> scale = Vector512.Create(HalfGemv.Pow2To112).AsSingle();
        for (long i = 0; i < n; i += Step)
        {
            Vector512<float> lo = Vector512.Load(x + i);
            Vector512<float> hi = Vector512.Load(x + i + 16);
            Vector512.Store(Avx512F.PermuteVar16x32x2(lo, even, hi) * scale, split + i);
            Vector512.Store(Avx512F.PermuteVar16x32x2(lo, odd, hi) * scale, split + i + 16);
        }
    }

    /// <summary>
    /// Four rows over <paramref name="n"/> elements; false (nothing written) when one of the weights is Inf or NaN. Four
    /// short row streams defeat the hardware prefetcher, so each step prefetches the same lines
    /// <see cref="PrefetchTiles"/> tiles on (prefetches never fault, past the end included).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Tile4(long n, byte* a0, long lda, float* split, float* dst, bool first)
    {
        uint* r0 = (uint*)a0;
        uint* r1 = (uint*)(a0 + lda);
        uint* r2 = (uint*)(a0 + (2 * lda));
        uint* r3 = (uint*)(a0 + (3 * lda));
        long ahead = PrefetchTiles * lda; // in uints: the same place PrefetchTiles · 4 rows on
        Vector512<float> e0 = Vector512<float>.Zero, e1 = e0, e2 = e0, e3 = e0;
        Vector512<float> o0 = e0, o1 = e0, o2 = e0, o3 = e0;
        Vector512<ushort> magnitudes = Vector512<ushort>.Zero;
        for (long i = 0; i < n; i += Step)
        {
            Vector512<float> xe = Vector512.Load(split + i);
            Vector512<float> xo = Vector512.Load(split + i + 16);
            long w = i / 2;
            Sse.Prefetch1(r0 + w + ahead);
            Sse.Prefetch1(r1 + w + ahead);
            Sse.Prefetch1(r2 + w + ahead);
            Sse.Prefetch1(r3 + w + ahead);
            Accumulate(Vector512.Load(r0 + w), xe, xo, ref e0, ref o0, ref magnitudes);
            Accumulate(Vector512.Load(r1 + w), xe, xo, ref e1, ref o1, ref magnitudes);
            Accumulate(Vector512.Load(r2 + w), xe, xo, ref e2, ref o2, ref magnitudes);
            Accumulate(Vector512.Load(r3 + w), xe, xo, ref e3, ref o3, ref magnitudes);
        }
        if (HasSpecial(magnitudes))
        {
            return false;
        }
        Store(dst, Vector512.Sum(e0 + o0), first);
        Store(dst + 1, Vector512.Sum(e1 + o1), first);
        Store(dst + 2, Vector512.Sum(e2 + o2), first);
        Store(dst + 3, Vector512.Sum(e3 + o3), first);
        return true;
    }

    /// <summary>One row over <paramref name="n"/> elements; false (nothing written) when one of the weights is Inf or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Tile1(long n, byte* a, float* split, float* dst, bool first)
    {
        uint* r = (uint*)a;
        Vector512<float> e = Vector512<float>.Zero, o = e;
        Vector512<ushort> magnitudes = Vector512<ushort>.Zero;
        for (long i = 0; i < n; i += Step)
        {
            Accumulate(Vector512.Load(r + (i / 2)), Vector512.Load(split + i), Vector512.Load(split + i + 16), ref e, ref o, ref magnitudes);
        }
        if (HasSpecial(magnitudes))
        {
            return false;
        }
        Store(dst, Vector512.Sum(e + o), first);
        return true;
    }

    /// <summary>
    /// Adds 32 weights (16 dwords of two halves) times their split column to the even and odd accumulators;
    /// <paramref name="magnitudes"/> keeps the largest magnitude·2 seen (exponent 31 shows as ≥ 0xF800).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector512<uint> d, Vector512<float> xe, Vector512<float> xo, ref Vector512<float> even, ref Vector512<float> odd, ref Vector512<ushort> magnitudes)
    {
        magnitudes = Avx512BW.Max(magnitudes, Avx512BW.ShiftLeftLogical(d.AsUInt16(), 1));
        Vector512<uint> mask = Vector512.Create(FloatMask);
        Vector512<uint> low = Avx512F.ShiftRightArithmetic(Avx512F.ShiftLeftLogical(d, 16).AsInt32(), 3).AsUInt32() & mask;
        Vector512<uint> high = Avx512F.ShiftRightArithmetic(d.AsInt32(), 3).AsUInt32() & mask;
        even = Avx512F.FusedMultiplyAdd(low.AsSingle(), xe, even);
        odd = Avx512F.FusedMultiplyAdd(high.AsSingle(), xo, odd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasSpecial(Vector512<ushort> magnitudes) =>
        Vector512.GreaterThanOrEqualAny(magnitudes, Vector512.Create(HalfGemv.SpecialMagnitude));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* dst, float value, bool first) => *dst = first ? value : *dst + value;

    /// <summary>The exact path (Inf/NaN weights) over one chunk: the generic 512-bit dot tiles, added to what earlier chunks wrote.</summary>
    private static void Exact(long n, byte* a, long lda, long rows, float* x, float* dst, bool first)
    {
        float* partial = stackalloc float[4];
        float** b = stackalloc float*[1];
        float** d = stackalloc float*[1];
        b[0] = x;
        d[0] = partial;
        DotTiles.Block<Vector512Ops, Vector512<float>, F16Weights>(n, a, lda, rows, b, d, 1, 0, false);
        for (long r = 0; r < rows; r++)
        {
            Store(dst + r, partial[r], first);
        }
    }
}
