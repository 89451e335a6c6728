namespace RpcWorker.Compute.Kernels;

/// <summary>Small validation helpers shared by kernels' <see cref="IOpKernel.Validate"/> methods.</summary>
internal static class KernelChecks
{
    /// <summary>True when the tensor exists and has type <paramref name="type"/>.</summary>
    public static bool Is(Tensor? t, GgmlType type) => t is not null && t.Type == type;

    /// <summary>True when the tensor has exactly the shape <paramref name="ne0"/>..<paramref name="ne3"/>.</summary>
    public static bool HasShape(Tensor t, long ne0, long ne1, long ne2, long ne3) =>
        t.Ne[0] == ne0 && t.Ne[1] == ne1 && t.Ne[2] == ne2 && t.Ne[3] == ne3;

    /// <summary>Names the sources that are missing or not F32, or null when all are present and F32.</summary>
    public static string? RequireF32(Tensor node, int sourceCount)
    {
        if (node.Type != GgmlType.F32)
        {
            return "destination must be f32";
        }
        for (int i = 0; i < sourceCount; i++)
        {
            if (!Is(node.Src[i], GgmlType.F32))
            {
                return $"src{i} must be an f32 tensor";
            }
        }
        return null;
    }
}
