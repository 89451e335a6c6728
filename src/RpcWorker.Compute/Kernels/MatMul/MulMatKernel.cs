using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// GGML_OP_MUL_MAT (ggml-cpu <c>ggml_compute_forward_mul_mat</c>): dst[i0, i1, i2, i3] = src0 row (i0, i2/r2, i3/r3) ·
/// src1 row (i1, i2, i3), with src0 broadcast over dims 2 and 3. src1 is converted once per node into the weights'
/// <c>vec_dot_type</c> (split across the team, then a barrier); then work items of row × column blocks are handed out
/// through the team's shared counter. F32/F16/BF16 weights run register-tiled float kernels (weights streamed once per
/// column block; a single column is a GEMV over row chunks); other types use their row format's dot product.
/// With ggml's Hadamard hint the node is a fast Walsh–Hadamard transform of src1 instead (<see cref="HadamardTransform"/>).
/// </summary>
internal sealed unsafe class MulMatKernel : IOpKernel
{
    private const int MaxColumnsPerItem = 128;

    /// <summary>Runs of consecutive items per thread for one-column products (see <see cref="Run{TOps, TVec}"/>).</summary>
    private const long RunsPerThread = 8;

    private readonly SimdLevel _simd;

    public MulMatKernel()
        : this(SimdSupport.Active)
    {
    }

    /// <summary>A kernel pinned to <paramref name="simd"/> (tests force each available tier with it).</summary>
    internal MulMatKernel(SimdLevel simd) => _simd = simd;

    public string? Validate(Tensor node)
    {
        if (node.Src[0] is not { } src0 || node.Src[1] is not { } src1)
        {
            return "MUL_MAT needs two sources";
        }
        if (node.Type != GgmlType.F32)
        {
            return "MUL_MAT output must be f32";
        }
        if (MatMulOperands.TryCreate(src0, src1, out _) is { } reason)
        {
            return reason;
        }
        if (node.Ne[0] != src0.Ne[1] || node.Ne[1] != src1.Ne[1] || node.Ne[2] != src1.Ne[2] || node.Ne[3] != src1.Ne[3])
        {
            return "output shape does not match the operands";
        }
        if (src0.Ne[2] <= 0 || src0.Ne[3] <= 0 || src1.Ne[2] % src0.Ne[2] != 0 || src1.Ne[3] % src0.Ne[3] != 0)
        {
            return "src0 does not broadcast over src1 in dims 2 and 3";
        }
        if (node.Nb[0] != sizeof(float) || node.Nb[1] < node.Nb[0] || node.Nb[2] < node.Nb[1] || node.Nb[3] < node.Nb[2])
        {
            return "transposed or permuted output is not supported";
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads)
    {
        Tensor src1 = node.Src[1]!;
        MatMulOperands.TryCreate(node.Src[0]!, src1, out MatMulOperands op);
        int width = GroupedMatMul.GroupWidth(VectorFloats(_simd));
        if (GroupedMatMul.Applies(op.Kind, src1.Ne[1], width))
        {
            long panel = GroupedMatMul.PanelBytes(op.K, src1.Ne[1], src1.Ne[2] * src1.Ne[3], width);
            return Align(panel) + checked(threads * Align(GroupedMatMul.ScratchBytes(op.K, width)));
        }
        return Align(op.PanelBytes(src1.NRows)) + checked(threads * Align(op.PackBytesPerThread));
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        if (HadamardTransform.Applies(node, node.Src[1]!))
        {
            HadamardTransform.Compute(p, node, node.Src[1]!);
            return;
        }
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

    internal static long Align(long bytes) => checked((bytes + 63) & ~63L);

    private static int VectorFloats(SimdLevel simd) => simd switch
    {
        SimdLevel.Avx512 => Vector512<float>.Count,
        SimdLevel.Avx2 => Vector256<float>.Count,
        SimdLevel.Vector128 => Vector128<float>.Count,
        _ => 1,
    };

    [SkipLocalsInit]
    private static void Run<TOps, TVec>(in ComputeParams p, Tensor node)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        Tensor src0 = node.Src[0]!;
        Tensor src1 = node.Src[1]!;
        MatMulOperands.TryCreate(src0, src1, out MatMulOperands op);
        int width = GroupedMatMul.GroupWidth(TOps.Count);
        if (GroupedMatMul.Applies(op.Kind, src1.Ne[1], width))
        {
            long stride = Align(GroupedMatMul.ScratchBytes(op.K, width));
            if (op.Kind == WeightKind.F16)
            {
                GroupedMatMul.Run<TOps, TVec, F16Weights>(p, node, op, stride);
            }
            else
            {
                GroupedMatMul.Run<TOps, TVec, Bf16Weights>(p, node, op, stride);
            }
            return;
        }
        byte* panel = p.WData;
        if (op.Convert)
        {
            op.ConvertShare(p, src1, panel);
        }
        float* pack = (float*)(p.WData + Align(op.PanelBytes(src1.NRows)) + (p.Ith * Align(op.PackBytesPerThread)));
        if (p.Ith == 0)
        {
            p.SharedCounter = p.Nth;
        }
        p.Barrier();

        long ne01 = src0.Ne[1];
        long ne11 = src1.Ne[1];
        long ne12 = src1.Ne[2];
        long r2 = ne12 / src0.Ne[2];
        long r3 = src1.Ne[3] / src0.Ne[3];
        long planes = ne12 * src1.Ne[3];
        MatMulTiling tiling = MatMulTiling.Choose(op.Kind, op.K, ne01, ne11, planes, p.Nth);
        long total = planes * tiling.ItemsPerPlane;
        int cb = Math.Min(tiling.ColBlock, MaxColumnsPerItem);
        byte** b = stackalloc byte*[MaxColumnsPerItem];
        float** d = stackalloc float*[MaxColumnsPerItem];

        // One column (decode): the shared counter hands out runs of consecutive items, each about 1/RunsPerThread of a
        // thread's share, so every core's prefetcher sees long streams of weight rows instead of 64-row items interleaved
        // with the other thread's, and a thread that falls behind still gets help at the end.
        long run = ne11 == 1 && planes == 1 ? Math.Max(1, total / (RunsPerThread * p.Nth)) : 1;
        for (long grab = p.Ith; grab * run < total; grab = Interlocked.Increment(ref p.SharedCounter) - 1)
        {
            long last = Math.Min(total, (grab + 1) * run);
            for (long item = grab * run; item < last; item++)
            {
                long plane = item / tiling.ItemsPerPlane;
                long rest = item - (plane * tiling.ItemsPerPlane);
                long colBlock = rest / tiling.RowBlocks;
                long rowBlock = rest - (colBlock * tiling.RowBlocks);
                long i13 = plane / ne12;
                long i12 = plane - (i13 * ne12);
                long row0 = rowBlock * tiling.RowBlock;
                long rows = Math.Min(tiling.RowBlock, ne01 - row0);
                long col0 = colBlock * tiling.ColBlock;
                long colEnd = Math.Min(col0 + tiling.ColBlock, ne11);
                byte* a = src0.DataPtr + (i12 / r2 * src0.Nb[2]) + (i13 / r3 * src0.Nb[3]) + (row0 * src0.Nb[1]);
                for (long c = col0; c < colEnd; c += cb)
                {
                    int cols = (int)Math.Min(cb, colEnd - c);
                    for (int j = 0; j < cols; j++)
                    {
                        long i11 = c + j;
                        b[j] = op.Convert
                            ? panel + ((((i13 * ne12) + i12) * ne11) + i11) * op.PanelStride
                            : src1.RowPtr(i11, i12, i13);
                        d[j] = (float*)node.RowPtr(i11, i12, i13);
                    }
                    op.Block<TOps, TVec>(a, src0.Nb[1], rows, b, d, cols, row0, pack);
                }
            }
        }
    }
}
