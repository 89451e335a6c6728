using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// Q5_K values: Q4_K's nibbles (from offset 48) plus a fifth bit from the 32 qh bytes at offset 16, bit 2j for the
/// values 64j.. and bit 2j+1 for 64j+32...
/// </summary>
internal readonly unsafe struct Q5_KLayout : IK4Layout
{
    public static int BlockBytes => Q5_KFormat.BlockBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<byte> Lo, Vector256<byte> Hi) Values(byte* block, int j)
    {
        Vector256<byte> bits = Avx.LoadVector256(block + 48 + (32 * j));
        Vector256<ushort> high = Avx.LoadVector256(block + 16).AsUInt16() >>> (2 * j);
        Vector256<byte> fifth = Vector256.Create((byte)0x10);
        return (Avx2.Or(KTileOps.Low(bits), Avx2.And(Avx2.ShiftLeftLogical(high, 4).AsByte(), fifth)),
            Avx2.Or(KTileOps.High(bits), Avx2.And(Avx2.ShiftLeftLogical(high, 3).AsByte(), fifth)));
    }
}
