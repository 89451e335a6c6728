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

    /// <summary>Columns one row pair of a batch tile runs against per pass (its float accumulators live on the stack).</summary>
    public const int MaxColumns = 16;

    // vpshufb controls that broadcast int16 lane g of each 128-bit lane within that lane.
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
    /// The 8 six-bit scales of a Q4_K/Q5_K super-block as int16 in both 128-bit lanes (for <see cref="Word"/>) and its 8
    /// mins as 16 int16, each repeated for the two 16-groups of its 32-group (the layout of Q8_K's bsums).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ScalesK4(byte* scales12, out Vector256<short> mins)
    {
        KQuantScales.Unpack8(scales12, out ulong scales, out ulong packedMins);
        Vector128<short> s = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(scales).AsByte());
        Vector128<short> m = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(packedMins).AsByte());
        mins = Vector256.Create(Sse2.UnpackLow(m, m), Sse2.UnpackHigh(m, m));
        return Vector256.Create(s, s).AsByte();
    }

    /// <summary><see cref="ScalesK4"/> with the scales spread into 8 vectors of 16 equal int16 (<paramref name="dst"/>[g] for the 32-group g).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> ScalesMinsK4(byte* scales12, Vector256<short>* dst)
    {
        Vector256<byte> both = ScalesK4(scales12, out Vector256<short> mins);
        for (int g = 0; g < 8; g++)
        {
            dst[g] = Word(both, g);
        }
        return mins;
    }

    /// <summary>
    /// The 16 signed scales of a Q6_K super-block as int16, even groups in the low 128-bit lane and odd groups in the high
    /// one (<see cref="Word"/> p then gives group 2p to the low lane and 2p+1 to the high lane), and in order as 16 int16
    /// for the Σ scale·bsums offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> ScalesK6(sbyte* scales16, out Vector256<short> inOrder)
    {
        Vector128<sbyte> s = Sse2.LoadVector128(scales16);
        inOrder = Avx2.ConvertToVector256Int16(s);
        Vector128<sbyte> split = Ssse3.Shuffle(s, Vector128.Create((sbyte)0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15));
        return Avx2.ConvertToVector256Int16(split).AsByte();
    }

    /// <summary><see cref="ScalesK6(sbyte*, out Vector256{short})"/> spread into the 8 pair vectors <paramref name="dst"/>[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> ScalesK6(sbyte* scales16, Vector256<short>* dst)
    {
        Vector256<byte> paired = ScalesK6(scales16, out Vector256<short> inOrder);
        for (int p = 0; p < 8; p++)
        {
            dst[p] = Word(paired, p);
        }
        return inOrder;
    }

    /// <summary>Int16 lane <paramref name="g"/> of each 128-bit lane of <paramref name="words"/>, broadcast within its lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Word(Vector256<byte> words, int g) =>
        Avx2.Shuffle(words, Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(WordBroadcasts), (nuint)(32 * g))).AsInt16();

    /// <summary>
    /// 512-bit form over the same table: int16 lane 2q of each 128-bit lane broadcast within lanes 0-1 and lane 2q+1
    /// within lanes 2-3 (both halves of <paramref name="words"/> holding the same 256 bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> WordPair(Vector512<byte> words, int q) =>
        SimdOps.ShuffleLanes(words, Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(WordBroadcasts), (nuint)(64 * q))).AsInt16();

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

    /// <summary>
    /// Reduces and stores the accumulators of a row pair: <paramref name="acc"/>[8g + c] is row 0 × column 4g+c,
    /// [8g + 4 + c] row 1 (stored only for a real <paramref name="pair"/>).
    /// </summary>
    public static void StoreRowPair(Vector256<float>* acc, int groups, float** d, long row, bool pair)
    {
        for (int g = 0; g < groups; g++, acc += 8, d += 4)
        {
            Vector128<float> r0 = Sum4(acc[0], acc[1], acc[2], acc[3]);
            d[0][row] = r0.GetElement(0);
            d[1][row] = r0.GetElement(1);
            d[2][row] = r0.GetElement(2);
            d[3][row] = r0.GetElement(3);
            if (pair)
            {
                Vector128<float> r1 = Sum4(acc[4], acc[5], acc[6], acc[7]);
                d[0][row + 1] = r1.GetElement(0);
                d[1][row + 1] = r1.GetElement(1);
                d[2][row + 1] = r1.GetElement(2);
                d[3][row + 1] = r1.GetElement(3);
            }
        }
    }
}
