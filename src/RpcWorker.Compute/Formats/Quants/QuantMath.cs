using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Scalar helpers shared by the quantizers, with ggml's exact float behaviour.</summary>
internal static class QuantMath
{
    /// <summary>The 256-element super-block of the K-quants (<c>QK_K</c>).</summary>
    public const int QK = 256;

    /// <summary>The smallest group maximum treated as non-zero (<c>GROUP_MAX_EPS</c>).</summary>
    public const float GroupMaxEps = 1e-15f;

    /// <summary>E2M1 values doubled (<c>kvalues_mxfp4</c>).</summary>
    public static ReadOnlySpan<sbyte> Fp4Values => [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

    /// <summary><c>nearest_int</c>: round to nearest, ties to even, via the 1.5*2^23 trick (|x| ≤ 4194303).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float value)
    {
        float v = value + 12582912f;
        int i = BitConverter.SingleToInt32Bits(v);
        return (i & 0x007fffff) - 0x00400000;
    }

    /// <summary>C <c>roundf</c>: round half away from zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundAway(float value) => MathF.Round(value, MidpointRounding.AwayFromZero);

    /// <summary>A float converted to <c>int8_t</c> the way x86 does for in-range values and NaN (truncation toward zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TruncToInt8(float value) => (sbyte)(int)value;

    /// <summary>fp16 bits at <paramref name="p"/> to float (table).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Half(byte* p) => Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(p));

    /// <summary>Stores <paramref name="value"/> as fp16 at <paramref name="p"/> (round to nearest even).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreHalf(byte* p, float value) => Unsafe.WriteUnaligned(p, Fp16.FromSingle(value));

    /// <summary><c>ggml_e8m0_to_fp32_half</c>: 2^(e-128) built from bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float E8M0ToFloatHalf(byte e)
    {
        uint bits = e < 2 ? 0x00200000u << e : (uint)(e - 1) << 23;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary><c>ggml_ue4m3_to_fp32</c> (value × 0.5, matching the doubled FP4 table).</summary>
    public static float UE4M3ToFloat(byte x)
    {
        if (x == 0 || x == 0x7F)
        {
            return 0f;
        }
        int exp = (x >> 3) & 0xF;
        int man = x & 0x7;
        float raw = exp == 0 ? float.ScaleB(man, -9) : float.ScaleB(1.0f + man / 8.0f, exp - 7);
        return raw * 0.5f;
    }

    /// <summary><c>ggml_fp32_to_ue4m3</c>.</summary>
    public static byte FloatToUE4M3(float x)
    {
        if (!(x > 0.0f))
        {
            return 0;
        }
        if (x > 448.0f)
        {
            x = 448.0f;
        }
        uint bits = BitConverter.SingleToUInt32Bits(x);
        int fp32Exp = (int)((bits >> 23) & 0xFF) - 127;
        int fp32Man = (int)((bits >> 20) & 0x7);
        int exp = fp32Exp + 7;
        if (exp <= 0)
        {
            int man = (int)(x * 512.0f + 0.5f);
            if (man > 7)
            {
                man = 7;
            }
            return man < 1 ? (byte)0 : (byte)man;
        }
        if (exp >= 15)
        {
            return 0x7E;
        }
        int roundBit = (int)((bits >> 19) & 1);
        int m = fp32Man + roundBit;
        if (m > 7)
        {
            m = 0;
            exp++;
            if (exp >= 15)
            {
                return 0x7E;
            }
        }
        return (byte)((exp << 3) | m);
    }

    /// <summary><c>best_index_mxfp4</c>: the FP4 code nearest to <paramref name="x"/> at scale <paramref name="e"/> (first on ties).</summary>
    public static int BestIndexFp4(float x, float e)
    {
        ReadOnlySpan<sbyte> values = Fp4Values;
        int best = 0;
        float bestErr = MathF.Abs(values[0] * e - x);
        for (int i = 1; i < 16; i++)
        {
            float err = MathF.Abs(values[i] * e - x);
            if (err < bestErr)
            {
                best = i;
                bestErr = err;
            }
        }
        return best;
    }

    /// <summary>Unpacks the 6-bit scale and min of 32-group <paramref name="j"/> of a Q4_K/Q5_K block (<c>get_scale_min_k4</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void ScaleMinK4(int j, byte* q, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = q[j] & 63;
            min = q[j + 4] & 63;
        }
        else
        {
            scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
            min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }

    /// <summary>Unpacks the 16 signed 6-bit scales of a Q3_K block into <paramref name="scales"/> (value − 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Q3KScales(byte* s, int* scales)
    {
        for (int j = 0; j < 16; j++)
        {
            int low = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
            int high = (s[8 + (j & 3)] >> (2 * (j >> 2))) & 3;
            scales[j] = (low | (high << 4)) - 32;
        }
    }
}
