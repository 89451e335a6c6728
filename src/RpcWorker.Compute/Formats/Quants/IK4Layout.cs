using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// The quant bits of a K-quant with Q4_K's super-block header (fp16 d and dmin, 12 bytes of 6-bit scales and mins at
/// offset 4): what <see cref="K4Tiles{TLayout}"/> needs to read its unsigned values.
/// </summary>
internal unsafe interface IK4Layout
{
    /// <summary>Bytes per super-block of 256 values.</summary>
    static abstract int BlockBytes { get; }

    /// <summary>The unsigned values 64j..64j+31 (32-group 2j) and 64j+32..64j+63 (32-group 2j+1) of a super-block.</summary>
    static abstract (Vector256<byte> Lo, Vector256<byte> Hi) Values(byte* block, int j);
}
