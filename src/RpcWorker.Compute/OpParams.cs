using System.Runtime.CompilerServices;

namespace RpcWorker.Compute;

/// <summary>The 16 int32 words of <c>op_params</c>, stored inline. Floats are read by bit pattern.</summary>
[InlineArray(Tensor.MaxOpParams)]
public struct OpParams
{
    private int _element0;

    /// <summary>Word <paramref name="index"/> reinterpreted as a float (as ggml's <c>ggml_get_op_params_f32</c>).</summary>
    public readonly float GetFloat(int index) => BitConverter.Int32BitsToSingle(this[index]);

    /// <summary>Bytes <paramref name="byteOffset"/>..+8 read as a little-endian int64 (ggml stores some params as int64).</summary>
    public readonly long GetInt64(int byteOffset)
    {
        OpParams copy = this;
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<int>)copy)[byteOffset..]);
    }
}
