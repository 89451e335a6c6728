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
    // control q puts groups 4q..4q+3 in lanes 0..3. RVA data: no static-initialization checks in the kernels.
    private static ReadOnlySpan<byte> PairControls =>
    [
        0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01,
        0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03,
        0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05,
        0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07,
        0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09,
        0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B,
        0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D,
        0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F,
    ];

    private static ReadOnlySpan<byte> QuadControls =>
    [
        0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x00, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01, 0x80, 0x01,
        0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x02, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03, 0x80, 0x03,
        0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x04, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05, 0x80, 0x05,
        0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x06, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07, 0x80, 0x07,
        0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x08, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09, 0x80, 0x09,
        0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0A, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B, 0x80, 0x0B,
        0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0C, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D, 0x80, 0x0D,
        0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0E, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F, 0x80, 0x0F,
    ];

    /// <summary>
    /// Σ x·y over 4-byte groups of signed bytes: the sign trick |x|·(y·sign x), then <c>vpdpbusd</c> where the CPU has
    /// AVX-VNNI (exact in int32, as ggml's VNNI builds) or <c>vpmaddubsw</c> + <c>vpmaddwd</c> (whose int16 pair sums
    /// saturate only when both bytes of a pair are −128 in x and y, which Q8_0 quantization never produces).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotS8(Vector256<sbyte> x, Vector256<sbyte> y) => DotU8(Avx2.Abs(x), Avx2.Sign(y, x));

    /// <summary>Σ u·y over 4-byte groups, <paramref name="u"/> unsigned (small enough not to saturate int16 pairs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotU8(Vector256<byte> u, Vector256<sbyte> y) => AvxVnni.IsSupported
        ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, y)
        : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, y), Vector256.Create((short)1));

    /// <summary>512-bit <see cref="DotS8(Vector256{sbyte}, Vector256{sbyte})"/> (abs + masked negate, no <c>vpsignb</c> in AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> DotS8(Vector512<sbyte> x, Vector512<sbyte> y)
    {
        Vector512<byte> ax = Vector512.Abs(x).AsByte();
        Vector512<sbyte> sy = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<sbyte>.Zero), -y, y);
        return MultiplyAddPairs(MultiplyAddPairs(ax, sy), Vector512.Create((short)1));
    }

    /// <summary>512-bit <see cref="DotU8(Vector256{byte}, Vector256{sbyte})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> DotU8(Vector512<byte> u, Vector512<sbyte> y) =>
        MultiplyAddPairs(MultiplyAddPairs(u, y), Vector512.Create((short)1));

    // The three byte-level AVX-512 BW operations the 512-bit kernels need. Without AVX-512 they run as two AVX2 halves
    // (same results; the JIT drops the untaken branch), so the 512-bit kernels are testable on AVX2-only machines.

    /// <summary><c>vpmaddubsw</c>: u8 × s8, adjacent pairs summed with int16 saturation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> MultiplyAddPairs(Vector512<byte> u, Vector512<sbyte> y) => Avx512BW.IsSupported
        ? Avx512BW.MultiplyAddAdjacent(u, y)
        : Vector512.Create(Avx2.MultiplyAddAdjacent(u.GetLower(), y.GetLower()), Avx2.MultiplyAddAdjacent(u.GetUpper(), y.GetUpper()));

    /// <summary><c>vpmaddwd</c>: s16 × s16, adjacent pairs summed to int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MultiplyAddPairs(Vector512<short> a, Vector512<short> b) => Avx512BW.IsSupported
        ? Avx512BW.MultiplyAddAdjacent(a, b)
        : Vector512.Create(Avx2.MultiplyAddAdjacent(a.GetLower(), b.GetLower()), Avx2.MultiplyAddAdjacent(a.GetUpper(), b.GetUpper()));

    /// <summary><c>vpshufb</c> within each 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> ShuffleLanes(Vector512<byte> v, Vector512<byte> control) => Avx512BW.IsSupported
        ? Avx512BW.Shuffle(v, control)
        : Vector512.Create(Avx2.Shuffle(v.GetLower(), control.GetLower()), Avx2.Shuffle(v.GetUpper(), control.GetUpper()));

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
        Vector256<byte> control = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(PairControls), (nuint)(pair * 32));
        Vector256<short> scale = Avx2.ShiftRightArithmetic(Avx2.Shuffle(scales16, control).AsInt16(), 8);
        return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, y), scale);
    }

    /// <summary>512-bit <see cref="ScaledDotU8(Vector256{byte}, Vector256{sbyte}, Vector256{byte}, int)"/> over 64 elements: groups 4·quad..4·quad+3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> ScaledDotU8(Vector512<byte> u, Vector512<sbyte> y, Vector512<byte> scales16, int quad)
    {
        Vector512<byte> control = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(QuadControls), (nuint)(quad * 64));
        Vector512<short> scale = Vector512.ShiftRightArithmetic(ShuffleLanes(scales16, control).AsInt16(), 8);
        return MultiplyAddPairs(MultiplyAddPairs(u, y), scale);
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
        // The 16 bytes loaded into both lanes, the high lane shifted right by 4: two ALU operations after the load.
        Vector256<ulong> t = Avx2.BroadcastVector128ToVector256((ulong*)p);
        t = Avx2.ShiftRightLogicalVariable(t, Vector256.Create(0UL, 0UL, 4UL, 4UL));
        return Avx2.And(t.AsByte(), Vector256.Create((byte)0x0F));
    }

    /// <summary>Horizontal sum of a float vector (halves added, then <c>movhlps</c>/<c>movshdup</c>: 6 instructions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v)
    {
        Vector128<float> s = Sse.Add(v.GetLower(), v.GetUpper());
        s = Sse.Add(s, Sse.MoveHighToLow(s, s));
        return Sse.AddScalar(s, Sse3.MoveHighAndDuplicate(s)).ToScalar();
    }
}
