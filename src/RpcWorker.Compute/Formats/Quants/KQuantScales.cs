using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>The packed 6-bit scales and mins of Q4_K and Q5_K (12 bytes for 8 groups of 32).</summary>
internal static unsafe class KQuantScales
{
    /// <summary>Quantizes and packs 8 scales and mins like <c>quantize_row_q4_K_ref</c>/<c>quantize_row_q5_K_ref</c>.</summary>
    public static void Pack(byte* s, float* scales, float* mins, float maxScale, float maxMin)
    {
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        for (int j = 0; j < 8; j++)
        {
            int ls = Math.Min(63, (int)(byte)QuantMath.NearestInt(invScale * scales[j]));
            int lm = Math.Min(63, (int)(byte)QuantMath.NearestInt(invMin * mins[j]));
            if (j < 4)
            {
                s[j] = (byte)ls;
                s[j + 4] = (byte)lm;
            }
            else
            {
                s[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                s[j - 4] |= (byte)((ls >> 4) << 6);
                s[j] |= (byte)((lm >> 4) << 6);
            }
        }
    }

    /// <summary>Re-derives the levels 0..<paramref name="nmax"/> from the stored fp16 d/dmin and 6-bit scales.</summary>
    public static void Requantize(float* x, byte* block, byte* s, byte* l, int nmax)
    {
        float d0 = QuantMath.Half(block);
        float dmin = QuantMath.Half(block + 2);
        for (int j = 0; j < 8; j++)
        {
            QuantMath.ScaleMinK4(j, s, out int sc, out int m);
            float d = d0 * sc;
            if (d == 0)
            {
                continue;
            }
            float dm = dmin * m;
            for (int k = 0; k < 32; k++)
            {
                int v = QuantMath.NearestInt((x[32 * j + k] + dm) / d);
                l[32 * j + k] = (byte)Math.Max(0, Math.Min(nmax, v));
            }
        }
    }

    /// <summary>The 8 six-bit scales and the 8 six-bit mins, one byte each (group j in byte j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack8(byte* s, out ulong scales, out ulong mins)
    {
        const uint kmask1 = 0x3f3f3f3f;
        const uint kmask2 = 0x0f0f0f0f;
        const uint kmask3 = 0x03030303;
        uint u0 = Unsafe.ReadUnaligned<uint>(s);
        uint u1 = Unsafe.ReadUnaligned<uint>(s + 4);
        uint u2 = Unsafe.ReadUnaligned<uint>(s + 8);
        uint sc0 = u0 & kmask1;
        uint sc1 = (u2 & kmask2) | (((u0 >> 6) & kmask3) << 4);
        uint m0 = u1 & kmask1;
        uint m1 = ((u2 >> 4) & kmask2) | (((u1 >> 6) & kmask3) << 4);
        scales = sc0 | ((ulong)sc1 << 32);
        mins = m0 | ((ulong)m1 << 32);
    }

    /// <summary>The 8 scales and 8 mins, each repeated for the two 16-groups of its 32-group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack16(byte* s, out Vector128<sbyte> scales16, out Vector128<sbyte> mins16)
    {
        Unpack8(s, out ulong scales, out ulong mins);
        Vector128<byte> dup = Vector128.Create((byte)0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        scales16 = Vector128.Shuffle(Vector128.Create(scales, 0UL).AsByte(), dup).AsSByte();
        mins16 = Vector128.Shuffle(Vector128.Create(mins, 0UL).AsByte(), dup).AsSByte();
    }
}
