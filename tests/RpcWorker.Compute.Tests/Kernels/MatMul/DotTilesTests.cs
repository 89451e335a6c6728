using System.Runtime.Intrinsics;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

public class DotTilesTests
{
    public static TheoryData<int, GgmlType, bool> Cases()
    {
        var data = new TheoryData<int, GgmlType, bool>();
        foreach (SimdLevel simd in SimdSupport.AvailableLevels())
        {
            foreach (GgmlType t in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16 })
            {
                data.Add((int)simd, t, true);
                data.Add((int)simd, t, false);
            }
        }
        return data;
    }

    /// <summary>Both tile shapes (4×4 and 4×3) at every tier, whichever this machine picks for MUL_MAT.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public unsafe void Block_MatchesScalarReference(int simd, GgmlType type, bool wide)
    {
        var rng = new Random(21 + simd);
        using var tt = new TestTensors();
        float** bp = stackalloc float*[16];
        float** dp = stackalloc float*[16];
        foreach ((long k, long rows, int cols) in new[] { (1L, 1L, 1), (7L, 5L, 7), (16L, 4L, 4), (33L, 9L, 10), (64L, 8L, 3), (100L, 3L, 13) })
        {
            Tensor a = tt.New(type, k, rows);
            Tensor b = tt.New(GgmlType.F32, k, cols);
            Tensor d = tt.New(GgmlType.F32, rows + 2, cols);
            TestTensors.FillRandom(a, rng);
            TestTensors.FillRandom(b, rng);
            for (int j = 0; j < cols; j++)
            {
                bp[j] = (float*)b.RowPtr(j, 0, 0);
                dp[j] = (float*)d.RowPtr(j, 0, 0);
            }
            Run((SimdLevel)simd, type, k, a.DataPtr, a.Nb[1], rows, bp, dp, cols, 2, wide);
            for (int j = 0; j < cols; j++)
            {
                for (long i = 0; i < rows; i++)
                {
                    double sum = 0;
                    double mag = 0;
                    for (long e = 0; e < k; e++)
                    {
                        double v = (double)Reference.Get(a, e, i, 0, 0) * Reference.Get(b, e, j, 0, 0);
                        sum += v;
                        mag += Math.Abs(v);
                    }
                    Reference.AssertClose(sum, mag, dp[j][2 + i], $"{(SimdLevel)simd} {type} wide={wide} k={k} [{i},{j}]");
                }
                Assert.Equal(0f, dp[j][0]);
                Assert.Equal(0f, dp[j][1]);
            }
        }
    }

    private static unsafe void Run(SimdLevel simd, GgmlType type, long k, byte* a, long lda, long rows, float** b, float** d, int cols, long offset, bool wide)
    {
        switch (simd)
        {
            case SimdLevel.Avx512:
                Run<Vector512Ops, Vector512<float>>(type, k, a, lda, rows, b, d, cols, offset, wide);
                break;
            case SimdLevel.Avx2:
                Run<Vector256Ops, Vector256<float>>(type, k, a, lda, rows, b, d, cols, offset, wide);
                break;
            case SimdLevel.Vector128:
                Run<Vector128Ops, Vector128<float>>(type, k, a, lda, rows, b, d, cols, offset, wide);
                break;
            default:
                Run<ScalarOps, float>(type, k, a, lda, rows, b, d, cols, offset, wide);
                break;
        }
    }

    private static unsafe void Run<TOps, TVec>(GgmlType type, long k, byte* a, long lda, long rows, float** b, float** d, int cols, long offset, bool wide)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        switch (type)
        {
            case GgmlType.F16:
                DotTiles.Block<TOps, TVec, F16Weights>(k, a, lda, rows, b, d, cols, offset, wide);
                break;
            case GgmlType.BF16:
                DotTiles.Block<TOps, TVec, Bf16Weights>(k, a, lda, rows, b, d, cols, offset, wide);
                break;
            default:
                DotTiles.Block<TOps, TVec, F32Weights>(k, a, lda, rows, b, d, cols, offset, wide);
                break;
        }
    }
}
