using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Tests.Kernels.Attention;

public unsafe class VecMathTests
{
    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (SimdLevel level in AttentionLevels.All)
        {
            data.Add(level);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ExpSum_MatchesExpOverTheFloatRange(SimdLevel level)
    {
        var rng = new Random(1);
        for (int n = 0; n <= 70; n++)
        {
            float[] x = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)(rng.NextDouble() * 200 - 120);
            }
            float[] y = new float[n];
            double sum;
            fixed (float* px = x, py = y)
            {
                sum = VecMath.ExpSum(py, px, n, 1.5f, level);
            }
            double expectedSum = 0;
            for (int i = 0; i < n; i++)
            {
                double e = Math.Exp(x[i] - 1.5f);
                expectedSum += e;
                double tol = e < 1.2e-38 ? 1.5e-45 * 2 : e * 4e-7;
                Assert.True(Math.Abs(y[i] - e) <= tol, $"n={n} x={x[i]} expected {e} got {y[i]}");
            }
            Assert.True(Math.Abs(sum - expectedSum) <= expectedSum * 1e-6, $"n={n} sum {sum} vs {expectedSum}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void ExpSum_SpecialValues(SimdLevel level)
    {
        float[] x = new float[48];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 6) switch
            {
                0 => float.NegativeInfinity,
                1 => float.PositiveInfinity,
                2 => float.NaN,
                3 => -200f,
                4 => 100f,
                _ => 0f,
            };
        }
        float[] y = new float[x.Length];
        fixed (float* px = x, py = y)
        {
            VecMath.ExpSum(py, px, x.Length, 0f, level);
        }
        for (int i = 0; i < x.Length; i++)
        {
            float expected = MathF.Exp(x[i]);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(y[i]), $"[{i}] {x[i]} -> {y[i]}");
            }
            else
            {
                Assert.Equal(expected, y[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Max_AllLengths(SimdLevel level)
    {
        var rng = new Random(2);
        for (int n = 0; n <= 70; n++)
        {
            float[] x = new float[n];
            float expected = float.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)(rng.NextDouble() * 10 - 5);
                expected = Math.Max(expected, x[i]);
            }
            fixed (float* px = x)
            {
                Assert.Equal(expected, VecMath.Max(px, n, float.NegativeInfinity, level));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void HalfRows_DotAndMad_MatchScalar(SimdLevel level)
    {
        var rng = new Random(3);
        for (int n = 0; n <= 70; n++)
        {
            float[] q = new float[n];
            ushort[] kh = new ushort[n];
            ushort[] kb = new ushort[n];
            float[] kf = new float[n];
            float[] acc = new float[n];
            double dotH = 0, dotB = 0, dotF = 0;
            for (int i = 0; i < n; i++)
            {
                q[i] = (float)(rng.NextDouble() * 2 - 1);
                kf[i] = (float)(rng.NextDouble() * 2 - 1);
                kh[i] = BitConverter.HalfToUInt16Bits((Half)kf[i]);
                kb[i] = Bf16.FromSingle(kf[i]);
                dotH += (double)(float)BitConverter.UInt16BitsToHalf(kh[i]) * q[i];
                dotB += (double)Bf16.ToSingle(kb[i]) * q[i];
                dotF += (double)kf[i] * q[i];
                acc[i] = i;
            }
            fixed (float* pq = q, pkf = kf, pacc = acc)
            fixed (ushort* pkh = kh, pkb = kb)
            {
                Assert.True(Math.Abs(RowDot.DotF16(pkh, pq, n, level) - dotH) < 1e-5, $"f16 n={n}");
                Assert.True(Math.Abs(RowDot.DotBf16(pkb, pq, n, level) - dotB) < 1e-5, $"bf16 n={n}");
                Assert.True(Math.Abs(RowDot.DotF32(pkf, pq, n, level) - dotF) < 1e-5, $"f32 n={n}");
                RowDot.MadF16(pacc, pkh, 0.5f, n, level);
                RowDot.MadF32(pacc, pkf, -0.25f, n, level);
                RowDot.Scale(pacc, 2f, n, level);
            }
            for (int i = 0; i < n; i++)
            {
                double expected = 2 * (i + 0.5 * (float)BitConverter.UInt16BitsToHalf(kh[i]) - 0.25 * kf[i]);
                Assert.True(Math.Abs(acc[i] - expected) < 1e-5, $"mad n={n} i={i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void HalfToSingle_EveryBitPattern(SimdLevel level)
    {
        ushort[] all = new ushort[65536];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (ushort)i;
        }
        float[] got = new float[all.Length];
        fixed (ushort* pa = all)
        fixed (float* pg = got)
        {
            RowDot.MadF16(pg, pa, 1f, all.Length, level);
        }
        for (int i = 0; i < all.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(got[i]), $"0x{i:x4}");
            }
            else
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected + 0f) == BitConverter.SingleToInt32Bits(got[i]) || expected == got[i], $"0x{i:x4}: {expected} vs {got[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void RoundToHalf_MatchesHalfConversion(SimdLevel level)
    {
        var rng = new Random(4);
        var values = new List<float>
        {
            0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 65504f, 65519f, 65520f, 65535f, -65520f, 1e9f,
            MathF.Pow(2, -24), 3 * MathF.Pow(2, -25), MathF.Pow(2, -25), MathF.Pow(2, -26), MathF.Pow(2, -14), MathF.Pow(2, -14) * 0.99999f,
            1f + MathF.Pow(2, -11), 1f + 3 * MathF.Pow(2, -11), float.Epsilon, -float.Epsilon, 1e-30f,
        };
        for (int i = 0; i < 4000; i++)
        {
            float mantissa = (float)(rng.NextDouble() * 2 - 1);
            values.Add(mantissa * MathF.Pow(2, rng.Next(-30, 18)));
        }
        float[] y = [.. values];
        fixed (float* p = y)
        {
            RowDot.RoundToHalf(p, y.Length, level);
        }
        for (int i = 0; i < y.Length; i++)
        {
            float expected = (float)(Half)values[i];
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(y[i]), $"{values[i]}");
            }
            else
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]), $"{values[i]:R}: expected {expected:R}, got {y[i]:R}");
            }
        }
    }
}
