using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// GGML_OP_COUNT_EQUAL (I32, I32 → I64 scalar): how many elements of two same-shaped tensors are equal. Rows are split
/// across the team and the per-thread counts added by thread 0. The row walk is ggml-cpu's, including its index
/// arithmetic (<c>i02 = (ir - i03·ne03)/ne01</c>, <c>i01 = ir - i03·ne03 - i02·ne02</c>), which is exact for the
/// matrices ggml builds and for other shapes may name rows outside the tensor; such a row is refused, not read.
/// </summary>
internal sealed unsafe class CountEqualKernel : IOpKernel
{
    public string? Validate(Tensor node)
    {
        if (RowAccess.Src(node, 0) is not { } a || RowAccess.Src(node, 1) is not { } b)
        {
            return "missing source";
        }
        if (a.Type != GgmlType.I32 || b.Type != GgmlType.I32)
        {
            return "sources must be i32";
        }
        if (!TensorLayout.SameShape(a, b))
        {
            return "sources must have the same shape";
        }
        return node.Type == GgmlType.I64 && node.NElements == 1 ? null : "destination must be one i64";
    }

    public long GetWorkSize(Tensor node, int threads) => (long)threads * sizeof(long);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor a = node.Src[0]!;
        Tensor b = node.Src[1]!;
        long ne00 = a.Ne[0], ne01 = a.Ne[1], ne02 = a.Ne[2], ne03 = a.Ne[3];
        (long r0, long r1) = RowAccess.ThreadRange(a.NRows, p.Ith, p.Nth);
        long count = 0;
        for (long ir = r0; ir < r1; ir++)
        {
            long i03 = ir / (ne02 * ne01);
            long i02 = (ir - i03 * ne03) / ne01;
            long i01 = ir - i03 * ne03 - i02 * ne02;
            if ((ulong)i01 >= (ulong)ne01 || (ulong)i02 >= (ulong)ne02 || (ulong)i03 >= (ulong)ne03)
            {
                throw new ComputeException($"COUNT_EQUAL row ({i01}, {i02}, {i03}) lies outside {a}");
            }
            byte* x = a.RowPtr(i01, i02, i03);
            byte* y = b.RowPtr(i01, i02, i03);
            for (long i0 = 0; i0 < ne00; i0++)
            {
                if (*(int*)(x + i0 * a.Nb[0]) == *(int*)(y + i0 * b.Nb[0]))
                {
                    count++;
                }
            }
        }
        long* sums = (long*)p.WData;
        sums[p.Ith] = count;
        p.Barrier();
        if (p.Ith != 0)
        {
            return;
        }
        long total = 0;
        for (int t = 0; t < p.Nth; t++)
        {
            total += sums[t];
        }
        *(long*)node.DataPtr = total;
    }
}
