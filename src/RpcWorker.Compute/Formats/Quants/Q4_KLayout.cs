using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>Q4_K values: 32 bytes per 64 values from offset 16, low nibbles first.</summary>
internal readonly unsafe struct Q4_KLayout : IK4Layout
{
    public static int BlockBytes => Q4_KFormat.BlockBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<byte> Lo, Vector256<byte> Hi) Values(byte* block, int j)
    {
        Vector256<byte> bits = Avx.LoadVector256(block + 16 + (32 * j));
        return (KTileOps.Low(bits), KTileOps.High(bits));
    }
}
