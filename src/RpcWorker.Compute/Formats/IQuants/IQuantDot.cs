using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>Small integer helpers shared by the scalar IQ dot products.</summary>
internal static unsafe class IQuantDot
{
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
}
