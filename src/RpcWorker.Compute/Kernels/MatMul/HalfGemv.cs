using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// F16 weights times one float column (decode), AVX2: <c>dst[i] = Σ_k a_i[k] · x[k]</c>. Without F16C every weight is
/// widened by integer work, so the kernel trims that work to the bone:
/// <list type="bullet">
/// <item>16 halves are widened with 16-bit lane operations and no cross-lane shuffle: the two floats vectors then hold
/// elements 0-3, 8-11 and 4-7, 12-15, so the column is rearranged to match instead (two lane permutes per 16 columns,
/// shared by the four rows of a tile, in place of one per row);</item>
/// <item>Inf and NaN weights are not handled in the loop: each tile keeps the unsigned maximum of its magnitudes (two
/// operations per vector instead of four) and, if exponent 31 occurred, recomputes its rows on the exact path.</item>
/// </list>
/// Finite weights, subnormals included, are widened exactly (the 2^112 scaling of <see cref="HalfBits"/>).
/// </summary>
internal static unsafe class HalfGemv
{
    private const int Step = 16;
    private const ushort HighKeep = 0x8fff;
    /// <summary>A magnitude·2 at or above this has exponent 31 (Inf or NaN); shared with <see cref="HalfGemvAvx512"/>.</summary>
    internal const ushort SpecialMagnitude = 0xF800;

    /// <summary>2^112 as float bits: the factor that makes a half's magnitude shifted into a float exact.</summary>
    internal const uint Pow2To112 = (127 + 112) << 23;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Computes <paramref name="rows"/> rows of <paramref name="a"/> (<paramref name="lda"/> bytes apart) into <paramref name="dst"/>[0..rows).</summary>
    public static void Run(long k, byte* a, long lda, long rows, float* x, float* dst)
    {
        long i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            if (!Tile4(k, a + (i * lda), lda, x, dst + i))
            {
                Exact(k, a + (i * lda), lda, 4, x, dst + i);
            }
        }
        for (; i < rows; i++)
        {
            if (!Tile1(k, a + (i * lda), x, dst + i))
            {
                Exact(k, a + (i * lda), lda, 1, x, dst + i);
            }
        }
    }

    /// <summary>
    /// Four rows; false (nothing written) when a weight in the vector part is Inf or NaN. Each step prefetches the same
    /// lines <see cref="HalfGemvAvx512.PrefetchTiles"/> tiles on into L2: four short row streams defeat the hardware
    /// prefetcher (prefetches never fault, past the end included). Both threads streaming from memory (Zen 4, k = 2048),
    /// this measured 28-34 GB/s against 22-24 for the next tile into L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Tile4(long k, byte* a0, long lda, float* x, float* dst)
    {
        ushort* r0 = (ushort*)a0;
        ushort* r1 = (ushort*)(a0 + lda);
        ushort* r2 = (ushort*)(a0 + (2 * lda));
        ushort* r3 = (ushort*)(a0 + (3 * lda));
        long ahead = HalfGemvAvx512.PrefetchTiles * 2 * lda; // in ushorts
        Vector256<float> c0 = Vector256<float>.Zero, c1 = c0, c2 = c0, c3 = c0;
        Vector256<ushort> magnitudes = Vector256<ushort>.Zero;
        long kv = k - (k % Step);
        for (long i = 0; i < kv; i += Step)
        {
            Sse.Prefetch1(r0 + i + ahead);
            Sse.Prefetch1(r1 + i + ahead);
            Sse.Prefetch1(r2 + i + ahead);
            Sse.Prefetch1(r3 + i + ahead);
            Column(x + i, out Vector256<float> xl, out Vector256<float> xh);
            c0 = Accumulate(Vector256.Load((short*)r0 + i), xl, xh, c0, ref magnitudes);
            c1 = Accumulate(Vector256.Load((short*)r1 + i), xl, xh, c1, ref magnitudes);
            c2 = Accumulate(Vector256.Load((short*)r2 + i), xl, xh, c2, ref magnitudes);
            c3 = Accumulate(Vector256.Load((short*)r3 + i), xl, xh, c3, ref magnitudes);
        }
        if (HasSpecial(magnitudes))
        {
            return false;
        }
        dst[0] = Vector256.Sum(c0) + Tail(k, kv, r0, x);
        dst[1] = Vector256.Sum(c1) + Tail(k, kv, r1, x);
        dst[2] = Vector256.Sum(c2) + Tail(k, kv, r2, x);
        dst[3] = Vector256.Sum(c3) + Tail(k, kv, r3, x);
        return true;
    }

    /// <summary>One row; false (nothing written) when a weight in the vector part is Inf or NaN.</summary>
    private static bool Tile1(long k, byte* a, float* x, float* dst)
    {
        ushort* r = (ushort*)a;
        Vector256<float> c = Vector256<float>.Zero;
        Vector256<ushort> magnitudes = Vector256<ushort>.Zero;
        long kv = k - (k % Step);
        for (long i = 0; i < kv; i += Step)
        {
            Column(x + i, out Vector256<float> xl, out Vector256<float> xh);
            c = Accumulate(Vector256.Load((short*)r + i), xl, xh, c, ref magnitudes);
        }
        if (HasSpecial(magnitudes))
        {
            return false;
        }
        *dst = Vector256.Sum(c) + Tail(k, kv, r, x);
        return true;
    }

    /// <summary>16 column floats in the order the widened halves come in: elements 0-3, 8-11 and 4-7, 12-15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(float* x, out Vector256<float> xl, out Vector256<float> xh)
    {
        Vector256<float> x0 = Vector256.Load(x);
        Vector256<float> x1 = Vector256.Load(x + 8);
        xl = Avx.Permute2x128(x0, x1, 0x20);
        xh = Avx.Permute2x128(x0, x1, 0x31);
    }

    /// <summary>
    /// Adds 16 weights times their (rearranged) columns to <paramref name="acc"/>: each float's upper half is the sign and
    /// the magnitude shifted right by 3, its lower half the magnitude's last three bits, scaled by 2^112 (exact for finite
    /// halves). <paramref name="magnitudes"/> keeps the largest magnitude·2 seen (exponent 31 shows as ≥ 0xF800).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<short> h, Vector256<float> xl, Vector256<float> xh, Vector256<float> acc, ref Vector256<ushort> magnitudes)
    {
        magnitudes = Avx2.Max(magnitudes, Avx2.ShiftLeftLogical(h, 1).AsUInt16());
        Vector256<short> high = Avx2.And(Avx2.ShiftRightArithmetic(h, 3), Vector256.Create(unchecked((short)HighKeep)));
        Vector256<short> low = Avx2.ShiftLeftLogical(h, 13);
        Vector256<float> scale = Vector256.Create(Pow2To112).AsSingle();
        acc = Fma.MultiplyAdd(Avx.Multiply(Avx2.UnpackLow(low, high).AsSingle(), scale), xl, acc);
        return Fma.MultiplyAdd(Avx.Multiply(Avx2.UnpackHigh(low, high).AsSingle(), scale), xh, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasSpecial(Vector256<ushort> magnitudes) =>
        Avx2.Max(magnitudes, Vector256.Create((ushort)(SpecialMagnitude - 1))) != Vector256.Create((ushort)(SpecialMagnitude - 1));

    /// <summary>The scalar rest of a row, elements [kv, k), exact for every fp16 value; shared with <see cref="HalfGemvAvx512"/>.</summary>
    internal static float Tail(long k, long kv, ushort* row, float* x)
    {
        float s = 0;
        for (long i = kv; i < k; i++)
        {
            s += Fp16.ToSingle(row[i]) * x[i];
        }
        return s;
    }

    /// <summary>The exact path (Inf/NaN weights): the generic 256-bit dot tiles.</summary>
    private static void Exact(long k, byte* a, long lda, long rows, float* x, float* dst)
    {
        float** b = stackalloc float*[1];
        float** d = stackalloc float*[1];
        b[0] = x;
        d[0] = dst;
        DotTiles.Block<Vector256Ops, Vector256<float>, F16Weights>(k, a, lda, rows, b, d, 1, 0, false);
    }
}
