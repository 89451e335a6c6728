using System.Runtime.Intrinsics;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// The weight/activation pairing of a MUL_MAT or MUL_MAT_ID node (ggml's <c>vec_dot_type</c> logic): which kernel family
/// runs, whether the activations are first converted into a contiguous panel in the scratch memory, and its row stride.
/// F32/F16/BF16 weights use float tiles; activations for F16/BF16 are rounded to that precision and kept as floats.
/// Other weight types use their row format's <see cref="RowFormat.VecDot"/> against activations in its <see cref="RowFormat.VecDotType"/>.
/// </summary>
internal readonly unsafe struct MatMulOperands
{
    private MatMulOperands(WeightKind kind, RowFormat weights, RowFormat? activations, GgmlType activationType, bool convert, long k, long panelStride)
    {
        Kind = kind;
        Weights = weights;
        Activations = activations;
        ActivationType = activationType;
        Convert = convert;
        K = k;
        PanelStride = panelStride;
    }

    public WeightKind Kind { get; }

    public RowFormat Weights { get; }

    /// <summary>Format of the quantized dot product's second operand (null for float kinds).</summary>
    public RowFormat? Activations { get; }

    /// <summary>The <c>vec_dot_type</c> of the weights.</summary>
    public GgmlType ActivationType { get; }

    /// <summary>True when src1 is converted into the panel; otherwise its rows are read in place.</summary>
    public bool Convert { get; }

    public long K { get; }

    /// <summary>Bytes between panel rows (a multiple of 64).</summary>
    public long PanelStride { get; }

    /// <summary>Resolves the pairing of <paramref name="src0"/> and <paramref name="src1"/>, or returns a reason it is unsupported.</summary>
    public static string? TryCreate(Tensor src0, Tensor src1, out MatMulOperands operands)
    {
        operands = default;
        RowFormat? weights = RowFormats.Find(src0.Type);
        if (weights is null)
        {
            return $"weight type {src0.Info.Name} is not supported";
        }
        long k = src0.Ne[0];
        if (src0.Ne[0] != src1.Ne[0])
        {
            return "src0 and src1 rows differ in length";
        }
        if (src0.Nb[0] != src0.Info.TypeSize || src1.Nb[0] != src1.Info.TypeSize)
        {
            return "permuted dimension 0 of src0 or src1 is not supported";
        }
        if (k % src0.Info.BlockSize != 0)
        {
            return "row length is not a multiple of the weight block size";
        }
        WeightKind kind = src0.Type switch
        {
            GgmlType.F32 => WeightKind.F32,
            GgmlType.F16 => WeightKind.F16,
            GgmlType.BF16 => WeightKind.Bf16,
            _ => WeightKind.Quantized,
        };
        if (kind != WeightKind.Quantized)
        {
            if (src1.Type != GgmlType.F32 && src1.Type != src0.Type)
            {
                return $"src1 type {src1.Info.Name} does not match weights {src0.Info.Name}";
            }
            bool convert = kind != WeightKind.F32;
            long stride = convert ? checked(MatMulTiling.PaddedK(k) * sizeof(float)) : 0;
            operands = new MatMulOperands(kind, weights, null, src0.Type, convert, k, stride);
            return null;
        }
        if (!weights.CanVecDot)
        {
            return $"no dot product for {src0.Info.Name}";
        }
        GgmlType vdt = weights.VecDotType;
        RowFormat? activations = RowFormats.Find(vdt);
        if (activations is null)
        {
            return $"no row format for {TypeTraits.Get(vdt).Name}";
        }
        if (src1.Type != GgmlType.F32 && src1.Type != vdt)
        {
            return $"src1 type {src1.Info.Name} is neither f32 nor {TypeTraits.Get(vdt).Name}";
        }
        if (k % TypeTraits.BlockSize(vdt) != 0)
        {
            return $"row length is not a multiple of the {TypeTraits.Get(vdt).Name} block size";
        }
        bool quantize = src1.Type != vdt;
        if (quantize && !activations.CanFromFloat)
        {
            return $"cannot convert f32 to {TypeTraits.Get(vdt).Name}";
        }
        long rowBytes = TypeTraits.RowSize(vdt, k);
        operands = new MatMulOperands(kind, weights, activations, vdt, quantize, k, quantize ? checked((rowBytes + 63) & ~63L) : 0);
        return null;
    }

    /// <summary>Bytes of the converted panel for <paramref name="rows"/> src1 rows (0 when src1 is read in place).</summary>
    public long PanelBytes(long rows) => Convert ? checked(rows * PanelStride) : 0;

    /// <summary>Bytes of widened weight rows one thread needs (0 unless F16/BF16 blocks get packed).</summary>
    public long PackBytesPerThread => Kind is WeightKind.F16 or WeightKind.Bf16
        ? checked(MatMulTiling.MaxPackRows(K) * MatMulTiling.PaddedK(K) * sizeof(float))
        : 0;

    /// <summary>
    /// Converts this thread's share of every src1 row into the panel (row r of src1 in (i1, i2, i3) order goes to
    /// <paramref name="panel"/> + r·<see cref="PanelStride"/>). Each row is split across the team by blocks, as ggml does.
    /// </summary>
    public void ConvertShare(in ComputeParams p, Tensor src1, byte* panel)
    {
        long blockSize = Kind == WeightKind.Quantized ? TypeTraits.BlockSize(ActivationType) : 16;
        long blocks = (K + blockSize - 1) / blockSize;
        long b0 = p.Ith * blocks / p.Nth;
        long b1 = (p.Ith + 1) * blocks / p.Nth;
        long e0 = Math.Min(b0 * blockSize, K);
        long e1 = Math.Min(b1 * blockSize, K);
        if (e1 <= e0)
        {
            return;
        }
        long n = e1 - e0;
        long r = 0;
        for (long i3 = 0; i3 < src1.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < src1.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < src1.Ne[1]; i1++, r++)
                {
                    byte* row = src1.RowPtr(i1, i2, i3);
                    byte* dst = panel + (r * PanelStride);
                    ConvertRange(src1.Type, row, dst, e0, n);
                }
            }
        }
    }

    /// <summary>
    /// Converts elements [<paramref name="e0"/>, <paramref name="e0"/> + <paramref name="n"/>) of the src1 row
    /// <paramref name="row"/> (of type <paramref name="srcType"/>) to rounded floats at <paramref name="dst"/>[0..n) (F16/BF16 kinds).
    /// </summary>
    public void ConvertFloats(GgmlType srcType, byte* row, long e0, long n, float* dst)
    {
        switch (Kind)
        {
            case WeightKind.F16 when srcType == GgmlType.F32:
                ActivationRounding.RoundToHalf((float*)row + e0, dst, n);
                break;
            case WeightKind.F16:
                Fp16.ToSingle((ushort*)row + e0, dst, n);
                break;
            case WeightKind.Bf16 when srcType == GgmlType.F32:
                ActivationRounding.RoundToBf16((float*)row + e0, dst, n);
                break;
            default:
                Bf16.ToSingle((ushort*)row + e0, dst, n);
                break;
        }
    }

    private void ConvertRange(GgmlType srcType, byte* row, byte* dst, long e0, long n)
    {
        if (Kind is WeightKind.F16 or WeightKind.Bf16)
        {
            ConvertFloats(srcType, row, e0, n, (float*)dst + e0);
        }
        else
        {
            long bs = TypeTraits.BlockSize(ActivationType);
            Activations!.FromFloat((float*)row + e0, dst + (e0 / bs * TypeTraits.TypeSize(ActivationType)), n);
        }
    }

    /// <summary>
    /// Computes <paramref name="rows"/> weight rows from <paramref name="a"/> against <paramref name="cols"/> columns
    /// (<c>b[j]</c> points at column j's activations, <c>d[j]</c> at its output column), writing <c>d[j][rowOffset + i]</c>.
    /// </summary>
    public void Block<TOps, TVec>(byte* a, long lda, long rows, byte** b, float** d, int cols, long rowOffset, float* pack)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        float** fb = (float**)b;
        switch (Kind)
        {
            case WeightKind.F32:
                DotTiles.Block<TOps, TVec, F32Weights>(K, a, lda, rows, fb, d, cols, rowOffset, DotTiles.WideRegisterFile);
                break;
            case WeightKind.F16:
                if (cols == 1 && TOps.Count >= Vector512<float>.Count && HalfGemvAvx512.IsSupported)
                {
                    HalfGemvAvx512.Run(K, a, lda, rows, fb[0], d[0] + rowOffset);
                }
                else if (cols == 1 && TOps.Count >= Vector256<float>.Count && HalfGemv.IsSupported)
                {
                    HalfGemv.Run(K, a, lda, rows, fb[0], d[0] + rowOffset);
                }
                else if (MatMulTiling.Packs(Kind, cols) && rows <= MatMulTiling.MaxPackRows(K))
                {
                    long ld = MatMulTiling.PaddedK(K);
                    DotTiles.Widen<TOps, TVec, F16Weights>(K, a, lda, rows, pack, ld);
                    DotTiles.Block<TOps, TVec, F32Weights>(K, (byte*)pack, ld * sizeof(float), rows, fb, d, cols, rowOffset, DotTiles.WideRegisterFile);
                }
                else
                {
                    DotTiles.Block<TOps, TVec, F16Weights>(K, a, lda, rows, fb, d, cols, rowOffset, DotTiles.WideRegisterFile);
                }
                break;
            case WeightKind.Bf16:
                if (MatMulTiling.Packs(Kind, cols) && rows <= MatMulTiling.MaxPackRows(K))
                {
                    long ld = MatMulTiling.PaddedK(K);
                    DotTiles.Widen<TOps, TVec, Bf16Weights>(K, a, lda, rows, pack, ld);
                    DotTiles.Block<TOps, TVec, F32Weights>(K, (byte*)pack, ld * sizeof(float), rows, fb, d, cols, rowOffset, DotTiles.WideRegisterFile);
                }
                else
                {
                    DotTiles.Block<TOps, TVec, Bf16Weights>(K, a, lda, rows, fb, d, cols, rowOffset, DotTiles.WideRegisterFile);
                }
                break;
            default:
                Weights.DotTile(K, a, lda, rows, b, cols, d, rowOffset);
                break;
        }
    }
}
