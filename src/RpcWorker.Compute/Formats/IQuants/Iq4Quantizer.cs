using System.Runtime.CompilerServices;
using static RpcWorker.Compute.Formats.IQuants.IQuantGrids;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// ggml's reference IQ4 quantizer (<c>quantize_row_iq4_nl_impl</c> without importance weights), shared by IQ4_NL
/// (one block of 32, no scale search) and IQ4_XS (super-blocks of 256 with 6-bit sub-scales, ±7 scale search).
/// Float operations follow ggml's order so the output bytes match.
/// </summary>
internal static unsafe class Iq4Quantizer
{
    private const float GroupMaxEps = 1e-15f;

    /// <summary>Quantizes one (super-)block; <paramref name="l"/> holds <paramref name="superBlockSize"/> indices and keeps its contents between calls, as ggml's stack array does.</summary>
    public static void QuantizeBlock(
        int superBlockSize, float* x, ushort* dh, byte* q4, ushort* scalesH, byte* scalesL, float* scales, byte* l, int ntry)
    {
        const int blockSize = 32;
        sbyte* values = KvaluesIq4nl;
        new Span<byte>(q4, superBlockSize / 2).Clear();
        *dh = Fp16.FromSingle(0f);

        float maxScale = 0;
        float amaxScale = 0;
        int nblocks = superBlockSize / blockSize;
        for (int ib = 0; ib < nblocks; ib++)
        {
            float* xb = x + ib * blockSize;
            byte* lb = l + ib * blockSize;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < blockSize; j++)
            {
                float ax = MathF.Abs(xb[j]);
                if (ax > amax)
                {
                    amax = ax;
                    max = xb[j];
                }
            }
            if (amax < GroupMaxEps)
            {
                scales[ib] = 0;
                continue;
            }
            float d = ntry > 0 ? -max / values[0] : max / values[0];
            float id = 1 / d;
            float sumqx = 0;
            float sumq2 = 0;
            for (int j = 0; j < blockSize; j++)
            {
                float al = id * xb[j];
                int li = BestIndex(values, al);
                lb[j] = (byte)li;
                float q = values[li];
                float w = xb[j] * xb[j];
                sumqx += w * q * xb[j];
                sumq2 += w * q * q;
            }
            d = sumq2 > 0 ? sumqx / sumq2 : 0f;
            float best = d * sumqx;
            for (int itry = -ntry; itry <= ntry; itry++)
            {
                id = (itry + values[0]) / max;
                sumqx = 0;
                sumq2 = 0;
                for (int j = 0; j < blockSize; j++)
                {
                    float al = id * xb[j];
                    float q = values[BestIndex(values, al)];
                    float w = xb[j] * xb[j];
                    sumqx += w * q * xb[j];
                    sumq2 += w * q * q;
                }
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2)
                {
                    d = sumqx / sumq2;
                    best = d * sumqx;
                }
            }
            scales[ib] = d;
            float absD = MathF.Abs(d);
            if (absD > amaxScale)
            {
                amaxScale = absD;
                maxScale = d;
            }
        }

        if (nblocks > 1)
        {
            new Span<ushort>(scalesH, (nblocks + 7) / 8).Clear();
            float d = -maxScale / 32;
            *dh = Fp16.FromSingle(d);
            float id = d != 0 ? 1 / d : 0f;
            for (int ib = 0; ib < nblocks; ib++)
            {
                int li = NearestInt(id * scales[ib]);
                li = Math.Max(-32, Math.Min(31, li));
                float dl = d * li;
                float idl = dl != 0 ? 1 / dl : 0f;
                byte* lb = l + ib * blockSize;
                float* xb = x + ib * blockSize;
                for (int j = 0; j < blockSize; j++)
                {
                    lb[j] = (byte)BestIndex(values, idl * xb[j]);
                }
                li += 32;
                byte lLow = (byte)(li & 0xf);
                byte lHigh = (byte)(li >> 4);
                if (ib % 2 == 0)
                {
                    scalesL[ib / 2] = lLow;
                }
                else
                {
                    scalesL[ib / 2] |= (byte)(lLow << 4);
                }
                scalesH[ib / 8] |= (ushort)(lHigh << (2 * (ib % 8)));
            }
        }
        else
        {
            *dh = Fp16.FromSingle(scales[0]);
            if (ntry > 0)
            {
                float id = scales[0] != 0 ? 1 / scales[0] : 0;
                for (int j = 0; j < superBlockSize; j++)
                {
                    l[j] = (byte)BestIndex(values, id * x[j]);
                }
            }
        }

        for (int i = 0; i < superBlockSize / 32; i++)
        {
            for (int j = 0; j < 16; j++)
            {
                q4[16 * i + j] = (byte)(l[32 * i + j] | (l[32 * i + 16 + j] << 4));
            }
        }
    }

    /// <summary><c>best_index_int8</c>: the index of the level nearest <paramref name="x"/> (ties to the upper one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BestIndex(sbyte* val, float x)
    {
        if (x <= val[0])
        {
            return 0;
        }
        if (x >= val[15])
        {
            return 15;
        }
        int ml = 0;
        int mu = 15;
        while (mu - ml > 1)
        {
            int mav = (ml + mu) / 2;
            if (x < val[mav])
            {
                mu = mav;
            }
            else
            {
                ml = mav;
            }
        }
        return x - val[mu - 1] < val[mu] - x ? mu - 1 : mu;
    }

    /// <summary><c>nearest_int</c>: round to nearest with the 1.5·2²³ trick (ties to even).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NearestInt(float fval)
    {
        float val = fval + 12582912f;
        int i = BitConverter.SingleToInt32Bits(val);
        return (i & 0x007fffff) - 0x00400000;
    }
}
