using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// GGML_OP_MUL_MAT_ID (ggml-cpu <c>ggml_compute_forward_mul_mat_id</c>), the mixture-of-experts product:
/// dst[:, s, t] = src0[:, :, ids[s, t]] × src1[:, s % ne11, t] for every expert slot s and token t.
/// src1 is converted once into the weights' <c>vec_dot_type</c>; the (slot, token) pairs are grouped by expert (every
/// thread builds the same grouping in its own scratch, checking each id against the expert count); then row × column
/// blocks of every used expert are handed out through the team's shared counter and run by the MUL_MAT tile kernels.
/// </summary>
internal sealed unsafe class MulMatIdKernel : IOpKernel
{
    private const int MaxColumnsPerItem = 128;

    private readonly SimdLevel _simd;

    public MulMatIdKernel()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A kernel pinned to <paramref name="simd"/> (tests force each available tier with it).</summary>
    internal MulMatIdKernel(SimdLevel simd) => _simd = simd;

    public string? Validate(Tensor node)
    {
        if (node.Src[0] is not { } src0 || node.Src[1] is not { } src1 || node.Src[2] is not { } ids)
        {
            return "MUL_MAT_ID needs three sources";
        }
        if (node.Type != GgmlType.F32 || ids.Type != GgmlType.I32)
        {
            return "MUL_MAT_ID needs an f32 output and i32 ids";
        }
        if (MatMulOperands.TryCreate(src0, src1, out _) is { } reason)
        {
            return reason;
        }
        if (src0.Ne[3] != 1 || src1.Ne[3] != 1 || ids.Ne[2] != 1 || ids.Ne[3] != 1)
        {
            return "MUL_MAT_ID operands must be 3-d experts, 3-d activations and 2-d ids";
        }
        if (ids.Ne[1] != src1.Ne[2] || src1.Ne[1] <= 0 || ids.Ne[0] % src1.Ne[1] != 0)
        {
            return "ids do not match the activations";
        }
        if (node.Ne[0] != src0.Ne[1] || node.Ne[1] != ids.Ne[0] || node.Ne[2] != src1.Ne[2] || node.Ne[3] != 1)
        {
            return "output shape does not match the operands";
        }
        if (node.Nb[0] != sizeof(float) || node.Nb[1] < node.Nb[0] || node.Nb[2] < node.Nb[1] || node.Nb[3] < node.Nb[2])
        {
            return "transposed or permuted output is not supported";
        }
        if (src0.Ne[2] > int.MaxValue / 16 || ids.Ne[0] * ids.Ne[1] > int.MaxValue / 16)
        {
            return "too many experts or expert slots";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads)
    {
        MatMulOperands.TryCreate(node.Src[0]!, node.Src[1]!, out MatMulOperands op);
        return MulMatKernel.Align(op.PanelBytes(node.Src[1]!.NRows)) + checked(threads * PerThreadBytes(node, op));
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        switch (_simd)
        {
            case SimdLevel.Avx512:
                Run<Vector512Ops, Vector512<float>>(p, node);
                break;
            case SimdLevel.Avx2:
                Run<Vector256Ops, Vector256<float>>(p, node);
                break;
            case SimdLevel.Vector128:
                Run<Vector128Ops, Vector128<float>>(p, node);
                break;
            default:
                Run<ScalarOps, float>(p, node);
                break;
        }
    }

    private static long PackBytes(MatMulOperands op) => MulMatKernel.Align(op.PackBytesPerThread);

    /// <summary>Pack scratch, then the grouping: starts[n_as+1], cursor[n_as], entries[2·slots·tokens], itemStart[n_as+1].</summary>
    private static long PerThreadBytes(Tensor node, MatMulOperands op)
    {
        long nAs = node.Src[0]!.Ne[2];
        long pairs = node.Src[2]!.Ne[0] * node.Src[2]!.Ne[1];
        long grouping = checked((((2 * nAs) + 1) * sizeof(int)) + (2 * pairs * sizeof(int)));
        return checked(PackBytes(op) + MulMatKernel.Align(grouping) + MulMatKernel.Align((nAs + 1) * sizeof(long)));
    }

    [SkipLocalsInit]
    private static void Run<TOps, TVec>(in ComputeParams p, Tensor node)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        Tensor src0 = node.Src[0]!;
        Tensor src1 = node.Src[1]!;
        Tensor ids = node.Src[2]!;
        MatMulOperands.TryCreate(src0, src1, out MatMulOperands op);
        byte* panel = p.WData;
        if (op.Convert)
        {
            op.ConvertShare(p, src1, panel);
        }

        int nAs = (int)src0.Ne[2];
        int nIds = (int)ids.Ne[0];
        int nTokens = (int)ids.Ne[1];
        byte* mine = p.WData + MulMatKernel.Align(op.PanelBytes(src1.NRows)) + (p.Ith * PerThreadBytes(node, op));
        float* pack = (float*)mine;
        int* starts = (int*)(mine + PackBytes(op));
        int* cursor = starts + nAs + 1;
        int* entries = cursor + nAs;
        long* itemStart = (long*)(mine + PackBytes(op) + MulMatKernel.Align((((2L * nAs) + 1) * sizeof(int)) + (2L * nIds * nTokens * sizeof(int))));

        Group(ids, nAs, nIds, nTokens, starts, cursor, entries);
        int active = 0;
        for (int e = 0; e < nAs; e++)
        {
            active += starts[e + 1] > starts[e] ? 1 : 0;
        }
        long ne01 = src0.Ne[1];
        itemStart[0] = 0;
        for (int e = 0; e < nAs; e++)
        {
            int count = starts[e + 1] - starts[e];
            long items = count == 0 ? 0 : MatMulTiling.Choose(op.Kind, op.K, ne01, count, active, p.Nth).ItemsPerPlane;
            itemStart[e + 1] = itemStart[e] + items;
        }
        long total = itemStart[nAs];

        if (p.Ith == 0)
        {
            p.SharedCounter = p.Nth;
        }
        p.Barrier();

        long ne11 = src1.Ne[1];
        byte** b = stackalloc byte*[MaxColumnsPerItem];
        float** d = stackalloc float*[MaxColumnsPerItem];
        int expert = 0;
        MatMulTiling tiling = default;
        int tilingExpert = -1;
        for (long item = p.Ith; item < total; item = Interlocked.Increment(ref p.SharedCounter) - 1)
        {
            while (itemStart[expert + 1] <= item)
            {
                expert++;
            }
            int count = starts[expert + 1] - starts[expert];
            if (tilingExpert != expert)
            {
                tiling = MatMulTiling.Choose(op.Kind, op.K, ne01, count, active, p.Nth);
                tilingExpert = expert;
            }
            long rest = item - itemStart[expert];
            long colBlock = rest / tiling.RowBlocks;
            long rowBlock = rest - (colBlock * tiling.RowBlocks);
            long row0 = rowBlock * tiling.RowBlock;
            long rows = Math.Min(tiling.RowBlock, ne01 - row0);
            long col0 = colBlock * tiling.ColBlock;
            long colEnd = Math.Min(col0 + tiling.ColBlock, count);
            byte* a = src0.DataPtr + (expert * src0.Nb[2]) + (row0 * src0.Nb[1]);
            int cb = Math.Min(tiling.ColBlock, MaxColumnsPerItem);
            for (long c = col0; c < colEnd; c += cb)
            {
                int cols = (int)Math.Min(cb, colEnd - c);
                for (int j = 0; j < cols; j++)
                {
                    int* entry = entries + (2 * (starts[expert] + c + j));
                    long slot = entry[0];
                    long token = entry[1];
                    long i11 = slot % ne11;
                    b[j] = op.Convert ? panel + (((token * ne11) + i11) * op.PanelStride) : src1.RowPtr(i11, token, 0);
                    d[j] = (float*)node.RowPtr(slot, token, 0);
                }
                op.Block<TOps, TVec>(a, src0.Nb[1], rows, b, d, cols, row0, pack);
            }
        }
    }

    /// <summary>Counting sort of the (slot, token) pairs by expert, in ggml's order (token-major, then slot).</summary>
    private static void Group(Tensor ids, int nAs, int nIds, int nTokens, int* starts, int* cursor, int* entries)
    {
        new Span<int>(cursor, nAs).Clear();
        for (int t = 0; t < nTokens; t++)
        {
            for (int s = 0; s < nIds; s++)
            {
                int e = *(int*)(ids.DataPtr + (t * ids.Nb[1]) + (s * ids.Nb[0]));
                if ((uint)e >= (uint)nAs)
                {
                    throw new ComputeException($"MUL_MAT_ID: expert id {e} at [{s}, {t}] is outside [0, {nAs})");
                }
                cursor[e]++;
            }
        }
        starts[0] = 0;
        for (int e = 0; e < nAs; e++)
        {
            starts[e + 1] = starts[e] + cursor[e];
            cursor[e] = starts[e];
        }
        for (int t = 0; t < nTokens; t++)
        {
            for (int s = 0; s < nIds; s++)
            {
                int e = *(int*)(ids.DataPtr + (t * ids.Nb[1]) + (s * ids.Nb[0]));
                if ((uint)e >= (uint)nAs || cursor[e] >= starts[e + 1])
                {
                    throw new ComputeException($"MUL_MAT_ID: expert id at [{s}, {t}] changed while grouping");
                }
                int at = cursor[e]++;
                entries[2 * at] = s;
                entries[(2 * at) + 1] = t;
            }
        }
    }
}
