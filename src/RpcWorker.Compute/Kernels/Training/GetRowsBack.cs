using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Training;

/// <summary>GET_ROWS_BACK: scatter-adds rows of src0 (F32 or F16) into the F32 destination at the I32 ids of src1 (checked).</summary>
internal sealed unsafe class GetRowsBack : IOpKernel
{
    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0], ids = node.Src[1];
        if (node.Type != GgmlType.F32 || src is null || src.Type is not (GgmlType.F32 or GgmlType.F16) || !KernelChecks.Is(ids, GgmlType.I32))
        {
            return "needs f32/f16 rows, i32 ids and an f32 destination";
        }
        if (!node.IsContiguous || node.Ne[0] != src.Ne[0] || src.Nb[0] != src.Info.TypeSize || !ids!.IsContiguous || src.Ne[1] < ids.NElements)
        {
            return "destination must be contiguous with src0's row length, and src0 must have a row per id";
        }
        return null;
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (p.Ith != 0)
        {
            return;
        }
        Tensor src = node.Src[0]!, ids = node.Src[1]!;
        new Span<byte>(node.DataPtr, checked((int)node.NBytes)).Clear();
        long nc = src.Ne[0];
        long rows = node.Ne[1] * node.Ne[2] * node.Ne[3];
        int* id = (int*)ids.DataPtr;
        for (long i = 0; i < ids.NElements; i++)
        {
            int r = id[i];
            if ((uint)r >= (ulong)rows)
            {
                throw new ComputeException($"GET_ROWS_BACK row id {r} outside [0, {rows})");
            }
            float* d = (float*)(node.DataPtr + r * node.Nb[1]);
            byte* s = src.DataPtr + i * src.Nb[1];
            for (long j = 0; j < nc; j++)
            {
                d[j] += src.Type == GgmlType.F16 ? Fp16.ToSingle(((ushort*)s)[j]) : ((float*)s)[j];
            }
        }
    }
}
