using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>
/// Integer helpers shared by the IQ dot products: scalar grid dots, and for the AVX2 paths 8-byte grid points with
/// their signs applied (SWAR negation; grid bytes are never 0) and a 32-element int8 dot weighted per 16 elements.
/// Both paths form the same exact integer sums, so their results are identical.
/// </summary>
internal static unsafe class IQuantDot
{
    private const ulong LowBits = 0x0101010101010101;

    private static readonly ulong* s_signMasks = BuildSignMasks();

    private static ulong* BuildSignMasks()
    {
        var masks = (ulong*)NativeMemory.AlignedAlloc(256 * sizeof(ulong), 64);
        for (int s = 0; s < 256; s++)
        {
            ulong m = 0;
            for (int j = 0; j < 8; j++)
            {
                if ((s & (1 << j)) != 0)
                {
                    m |= 0xFFUL << (8 * j);
                }
            }
            masks[s] = m;
        }
        return masks;
    }

    /// <summary>Σ grid[j]·q8[j]·(bit j of <paramref name="signs"/> ? −1 : 1) over 8 unsigned grid bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SignedGridDot8(byte* grid, byte signs, sbyte* q8)
    {
        int sum = 0;
        for (int j = 0; j < 8; j++)
        {
            int p = grid[j] * q8[j];
            sum += (signs & (1 << j)) != 0 ? -p : p;
        }
        return sum;
    }

    /// <summary>Σ grid[j]·q8[j]·(bit (j + <paramref name="shift"/>) of <paramref name="signs"/> ? −1 : 1) over 4 grid bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SignedGridDot4(byte* grid, int signs, int shift, sbyte* q8)
    {
        int sum = 0;
        for (int j = 0; j < 4; j++)
        {
            int p = grid[j] * q8[j];
            sum += (signs & (1 << (j + shift))) != 0 ? -p : p;
        }
        return sum;
    }

    /// <summary>Σ grid[j]·q8[j] over 8 signed grid bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GridDot8(sbyte* grid, sbyte* q8)
    {
        int sum = 0;
        for (int j = 0; j < 8; j++)
        {
            sum += grid[j] * q8[j];
        }
        return sum;
    }

    /// <summary>8 grid bytes (each 1..127) as signed bytes, negated where bit j of <paramref name="signs"/> is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ApplySigns(ulong grid, int signs)
    {
        ulong m = s_signMasks[signs & 0xFF];
        return (grid ^ m) + (m & LowBits);
    }

    /// <summary>
    /// Eight int32 partial sums of Σ w[j]·q8[j]·scale, where elements 0..15 take <paramref name="scaleLow"/> and 16..31
    /// <paramref name="scaleHigh"/> (int8 weights, |w·q| pairs within int16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Dot32(ulong w0, ulong w1, ulong w2, ulong w3, sbyte* q8, short scaleLow, short scaleHigh)
    {
        Vector256<sbyte> w = Vector256.Create(w0, w1, w2, w3).AsSByte();
        Vector256<sbyte> q = Vector256.Load(q8);
        Vector256<short> p = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(q, w));
        return Avx2.MultiplyAddAdjacent(p, Vector256.Create(Vector128.Create(scaleLow), Vector128.Create(scaleHigh)));
    }
}
