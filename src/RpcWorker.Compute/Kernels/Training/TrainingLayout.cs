namespace RpcWorker.Compute.Kernels.Training;

/// <summary>Row iteration shared by the optimizer and loss kernels.</summary>
internal static class TrainingLayout
{
    /// <summary>True when every tensor has the first one's shape and strides, with packed F32 rows.</summary>
    public static bool SameLayout(Tensor first, params ReadOnlySpan<Tensor> others)
    {
        if (first.Nb[0] != sizeof(float))
        {
            return false;
        }
        foreach (Tensor t in others)
        {
            if (!TensorLayout.SameShape(first, t))
            {
                return false;
            }
            for (int i = 0; i < Tensor.MaxDims; i++)
            {
                if (t.Nb[i] != first.Nb[i])
                {
                    return false;
                }
            }
        }
        return true;
    }


    /// <summary>Byte offset of flat row <paramref name="row"/> of <paramref name="t"/>.</summary>
    public static long RowOffset(Tensor t, long row)
    {
        long i3 = row / (t.Ne[2] * t.Ne[1]);
        long i2 = (row - i3 * t.Ne[2] * t.Ne[1]) / t.Ne[1];
        long i1 = row - i3 * t.Ne[2] * t.Ne[1] - i2 * t.Ne[1];
        return i3 * t.Nb[3] + i2 * t.Nb[2] + i1 * t.Nb[1];
    }
}
