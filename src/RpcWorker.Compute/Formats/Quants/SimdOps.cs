using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Integer dot-product building blocks shared by the quantized kernels.</summary>
internal static unsafe class SimdOps
{
    // vpshufb controls that turn a 16-byte signed group-scale vector (broadcast to every lane) into int16 scales after an
    // arithmetic shift right by 8: 256-bit control p puts group 2p in the low lane and 2p+1 in the high lane; 512-bit
    // control q puts groups 4q..4q+3 in lanes 0..3.
    private static readonly byte[] s_pairControls = CreatePairControls();
    private static readonly byte[] s_quadControls = CreateQuadControls();

    private static byte[] CreatePairControls()
    {
        var t = new byte[8 * 32];
        for (int p = 0; p < 8; p++)
        {
            for (int b = 0; b < 32; b++)
            {
                int group = 2 * p + (b >= 16 ? 1 : 0);
                t[p * 32 + b] = (b & 1) == 0 ? (byte)0x80 : (byte)group;
            }
        }
        return t;
    }

    private static byte[] CreateQuadControls()
    {
        var t = new byte[4 * 64];
        for (int q = 0; q < 4; q++)
        {
            for (int b = 0; b < 64; b++)
            {
                int group = 4 * q + b / 16;
                t[q * 64 + b] = (b & 1) == 0 ? (byte)0x80 : (byte)group;
            }
        }
        return t;
    }

    /// <summary>Σ x·y over 4-byte groups of signed bytes (sign trick + <c>vpmaddubsw</c> + <c>vpmaddwd</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotS8(Vector256<sbyte> x, Vector256<sbyte> y)
    {
        Vector256<byte> ax = Avx2.Abs(x);
        Vector256<sbyte> sy = Avx2.Sign(y, x);
        return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ax, sy), Vector256.Create((short)1));
    }

    /// <summary>Σ u·y over 4-byte groups, <paramref name="u"/> unsigned (small enough not to saturate int16 pairs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotU8(Vector256<byte> u, Vector256<sbyte> y) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, y), Vector256.Create((short)1));

    /// <summary>512-bit <see cref="DotS8(Vector256{sbyte}, Vector256{sbyte})"/> (abs + masked negate, no <c>vpsignb</c> in AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> DotS8(Vector512<sbyte> x, Vector512<sbyte> y)
    {
        Vector512<byte> ax = Avx512BW.Abs(x);
        Vector512<sbyte> sy = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<sbyte>.Zero), -y, y);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(ax, sy), Vector512.Create((short)1));
    }

    /// <summary>512-bit <see cref="DotU8(Vector256{byte}, Vector256{sbyte})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> DotU8(Vector512<byte> u, Vector512<sbyte> y) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, y), Vector512.Create((short)1));

    /// <summary>Portable Σ x·y of 16 signed bytes into 4 int lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> DotS8(Vector128<sbyte> x, Vector128<sbyte> y)
    {
        (Vector128<short> xl, Vector128<short> xh) = Vector128.Widen(x);
        (Vector128<short> yl, Vector128<short> yh) = Vector128.Widen(y);
        (Vector128<int> a, Vector128<int> b) = Vector128.Widen(xl * yl);
        (Vector128<int> c, Vector128<int> d) = Vector128.Widen(xh * yh);
        return (a + b) + (c + d);
    }

    /// <summary>
    /// Σ over 32 elements of u·y, each 16-element half weighted by its int16 scale: <paramref name="pair"/> selects groups
    /// 2·pair and 2·pair+1 of <paramref name="scales16"/> (16 signed group scales broadcast to both lanes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ScaledDotU8(Vector256<byte> u, Vector256<sbyte> y, Vector256<byte> scales16, int pair)
    {
        Vector256<byte> control = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(s_pairControls), (nuint)(pair * 32));
        Vector256<short> scale = Avx2.ShiftRightArithmetic(Avx2.Shuffle(scales16, control).AsInt16(), 8);
        return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, y), scale);
    }

    /// <summary>512-bit <see cref="ScaledDotU8(Vector256{byte}, Vector256{sbyte}, Vector256{byte}, int)"/> over 64 elements: groups 4·quad..4·quad+3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> ScaledDotU8(Vector512<byte> u, Vector512<sbyte> y, Vector512<byte> scales16, int quad)
    {
        Vector512<byte> control = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(s_quadControls), (nuint)(quad * 64));
        Vector512<short> scale = Avx512BW.ShiftRightArithmetic(Avx512BW.Shuffle(scales16, control).AsInt16(), 8);
        return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, y), scale);
    }

    /// <summary>Σ scales[g]·bsums[g] over the 16 groups of a Q8_K block (int16 bsums, signed byte scales).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ScaleBsums(Vector128<sbyte> scales16, short* bsums)
    {
        Vector256<short> s = Avx2.ConvertToVector256Int16(scales16);
        return Vector256.Sum(Avx2.MultiplyAddAdjacent(s, Avx.LoadVector256(bsums)));
    }

    /// <summary>32 bits to 32 bytes of 0xFF (bit set) or 0x00 (<c>bytes_from_bits_32</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> BytesFromBits(uint bits)
    {
        Vector256<byte> shuffle = Vector256.Create(0x0000000000000000UL, 0x0101010101010101UL, 0x0202020202020202UL, 0x0303030303030303UL).AsByte();
        Vector256<byte> bytes = Avx2.Shuffle(Vector256.Create(bits).AsByte(), shuffle);
        bytes = Avx2.Or(bytes, Vector256.Create(0x7fbfdfeff7fbfdfeUL).AsByte());
        return Avx2.CompareEqual(bytes, Vector256<byte>.AllBitsSet);
    }

    /// <summary>Portable 16 bits to 16 bytes of 0xFF (bit set) or 0x00.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> BytesFromBits(ushort bits)
    {
        Vector128<byte> spread = Vector128.Create(0x0101010101010101UL * (byte)bits, 0x0101010101010101UL * (byte)(bits >> 8)).AsByte();
        Vector128<byte> select = Vector128.Create(0x8040201008040201UL).AsByte();
        return Vector128.Equals(spread & select, select);
    }

    /// <summary>16 packed bytes to 32 nibbles: low nibbles in the low lane, high nibbles in the high lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Nibbles(byte* p)
    {
        Vector128<byte> t = Sse2.LoadVector128(p);
        Vector128<byte> h = Sse2.ShiftRightLogical(t.AsUInt16(), 4).AsByte();
        return Avx2.And(Vector256.Create(t, h), Vector256.Create((byte)0x0F));
    }

    /// <summary>Horizontal sum of a float vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v) => Vector256.Sum(v);
}
