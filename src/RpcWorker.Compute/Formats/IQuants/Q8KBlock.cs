using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Formats.IQuants;

/// <summary>Field access to a <c>block_q8_K</c> (f32 scale, 256 int8 quants, 16 int16 group sums; 292 bytes).</summary>
internal static unsafe class Q8KBlock
{
    public const int Bytes = 292;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scale(byte* block) => *(float*)block;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte* Quants(byte* block) => (sbyte*)(block + 4);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short* Sums(byte* block) => (short*)(block + 260);
}
