using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Per-super-block preparation shared by the AVX2 K-quant register tiles: the group scales of one weight super-block
/// unpacked once into int16 vectors that every column of a tile multiplies with (<c>vpmaddwd</c> memory operands).
/// </summary>
internal static unsafe class KTileOps
{
    /// <summary>Q8_K bytes between consecutive super-blocks of an activation row.</summary>
    public const int Q8Stride = Q8_KFormat.BlockBytes;

    // vpshufb controls that broadcast int16 lane g of a 128-bit lane (the same 8 values in both lanes) to all 16 lanes.
    // RVA data: no static-initialization checks in the kernels.
    private static ReadOnlySpan<byte> WordBroadcasts =>
    [
        0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01,
        0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03, 0x02, 0x03,
        0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05, 0x04, 0x05,
        0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07, 0x06, 0x07,
        0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09, 0x08, 0x09,
        0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B, 0x0A, 0x0B,
        0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D, 0x0C, 0x0D,
        0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F, 0x0E, 0x0F,
    ];

    /// <summary>Mask of the low nibble in every byte.</summary>
    public static Vector256<byte> LowNibbles => Vector256.Create((byte)0x0F);

    /// <summary>
    /// The 8 six-bit scales of a Q4_K/Q5_K super-block as 8 vectors of 16 equal int16 (<paramref name="dst"/>[g] for
    /// the 32-group g) and its 8 mins as 16 int16, each repeated for the two 16-groups of its 32-group (the layout of
    /// Q8_K's bsums).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> ScalesMinsK4(byte* scales12, Vector256<short>* dst)
    {
        KQuantScales.Unpack8(scales12, out ulong scales, out ulong mins);
        Vector128<short> s = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(scales).AsByte());
        Vector256<byte> both = Vector256.Create(s, s).AsByte();
        ref byte controls = ref MemoryMarshal.GetReference(WordBroadcasts);
        for (int g = 0; g < 8; g++)
        {
            dst[g] = Avx2.Shuffle(both, Vector256.LoadUnsafe(ref controls, (nuint)(32 * g))).AsInt16();
        }
        Vector128<short> m = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(mins).AsByte());
        return Vector256.Create(Sse2.UnpackLow(m, m), Sse2.UnpackHigh(m, m));
    }

    /// <summary>
    /// The 16 signed scales of a Q6_K super-block as 8 pair vectors (<paramref name="dst"/>[p]: group 2p in the low
    /// 128-bit lane, 2p+1 in the high one) and as 16 int16 for the Σ scale·bsums offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> ScalesK6(sbyte* scales16, Vector256<short>* dst)
    {
        Vector128<sbyte> s = Sse2.LoadVector128(scales16);
        Vector256<byte> both = Vector256.Create(s.AsByte());
        for (int p = 0; p < 8; p++)
        {
            dst[p] = SimdOps.PairScale(both, p);
        }
        return Avx2.ConvertToVector256Int16(s);
    }

    /// <summary>Σ over 32 elements of u·y with <paramref name="scale"/> applied to each int16 pair sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Scaled(Vector256<byte> u, byte* y, Vector256<short>* scale) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, Avx.LoadVector256((sbyte*)y)), Avx.LoadVector256((short*)scale));

    /// <summary>Low nibbles of 32 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Low(Vector256<byte> bits) => Avx2.And(bits, LowNibbles);

    /// <summary>High nibbles of 32 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> High(Vector256<byte> bits) => Avx2.And(Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte(), LowNibbles);

    /// <summary>Σ mins·bsums of one Q8_K block as 8 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Bsums(Vector256<short> weights, byte* y) =>
        Avx2.MultiplyAddAdjacent(weights, Avx.LoadVector256((short*)(y + Q8_KFormat.BsumsOffset)));

    /// <summary>The fp32 scale of a Q8_K block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(byte* y) => Unsafe.ReadUnaligned<float>(y);

    /// <summary>Horizontal sums of four float vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        Vector256<float> ab = Avx.HorizontalAdd(a, b);
        Vector256<float> cd = Avx.HorizontalAdd(c, d);
        Vector256<float> abcd = Avx.HorizontalAdd(ab, cd);
        return Sse.Add(abcd.GetLower(), abcd.GetUpper());
    }
}
