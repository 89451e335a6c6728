namespace RpcWorker.Compute;

/// <summary>Shape arithmetic shared by the mapper and the kernels (ggml.c's shape helpers).</summary>
public static class TensorLayout
{
    /// <summary>
    /// <c>ggml_nbytes</c> with overflow checking: 0 if any dimension is 0, otherwise the offset of the last byte + 1.
    /// Throws <see cref="OverflowException"/> when the extent does not fit in 63 bits.
    /// </summary>
    public static long NBytes(GgmlType type, in Dims4 ne, in Dims4 nb)
    {
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            if (ne[i] <= 0)
            {
                return 0;
            }
        }
        TypeInfo info = TypeTraits.Get(type);
        checked
        {
            long bytes;
            if (info.BlockSize == 1)
            {
                bytes = info.TypeSize;
                for (int i = 0; i < Tensor.MaxDims; i++)
                {
                    bytes += (ne[i] - 1) * nb[i];
                }
            }
            else
            {
                bytes = ne[0] * nb[0] / info.BlockSize;
                for (int i = 1; i < Tensor.MaxDims; i++)
                {
                    bytes += (ne[i] - 1) * nb[i];
                }
            }
            return bytes;
        }
    }

    /// <summary>Contiguous strides for <paramref name="ne"/> (<c>ggml_new_tensor</c>'s nb).</summary>
    public static Dims4 ContiguousStrides(GgmlType type, in Dims4 ne)
    {
        TypeInfo info = TypeTraits.Get(type);
        Dims4 nb = default;
        nb[0] = info.TypeSize;
        nb[1] = checked(nb[0] * (ne[0] / info.BlockSize));
        nb[2] = checked(nb[1] * ne[1]);
        nb[3] = checked(nb[2] * ne[2]);
        return nb;
    }

    /// <summary><c>ggml_is_contiguous_n</c>: dimensions above <paramref name="n"/> are packed; size-1 dimensions are ignored.</summary>
    public static bool IsContiguousN(Tensor t, int n)
    {
        TypeInfo info = t.Info;
        long nextNb = info.TypeSize;
        if (t.Ne[0] != info.BlockSize && t.Nb[0] != nextNb)
        {
            return false;
        }
        nextNb *= t.Ne[0] / info.BlockSize;
        for (int i = 1; i < Tensor.MaxDims; i++)
        {
            if (t.Ne[i] != 1)
            {
                if (i > n)
                {
                    if (t.Nb[i] != nextNb)
                    {
                        return false;
                    }
                    nextNb *= t.Ne[i];
                }
                else
                {
                    nextNb = t.Ne[i] * t.Nb[i];
                }
            }
        }
        return true;
    }

    /// <summary><c>ggml_are_same_shape</c>.</summary>
    public static bool SameShape(Tensor a, Tensor b) =>
        a.Ne[0] == b.Ne[0] && a.Ne[1] == b.Ne[1] && a.Ne[2] == b.Ne[2] && a.Ne[3] == b.Ne[3];

    /// <summary><c>ggml_can_repeat(a, b)</c>: <paramref name="a"/> broadcasts over <paramref name="b"/>.</summary>
    public static bool CanRepeat(Tensor a, Tensor b) =>
        a.IsEmpty ? b.IsEmpty
        : b.Ne[0] % a.Ne[0] == 0 && b.Ne[1] % a.Ne[1] == 0 && b.Ne[2] % a.Ne[2] == 0 && b.Ne[3] % a.Ne[3] == 0;

    /// <summary><c>ggml_can_repeat_rows(a, b)</c>: same row length, rows broadcast.</summary>
    public static bool CanRepeatRows(Tensor a, Tensor b) => a.Ne[0] == b.Ne[0] && CanRepeat(a, b);
}
