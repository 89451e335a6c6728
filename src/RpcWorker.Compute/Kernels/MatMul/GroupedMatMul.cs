using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// The many-column MUL_MAT path for F16/BF16 weights (prefill). The rounded activations are stored K-major in groups of
/// <c>W</c> = 2 vectors of columns (<c>panel[k][c]</c>, the last group zero-padded), once per node. A work item of
/// weight rows × column groups widens its rows to F32 (row-major, zero rows added up to a multiple of
/// <see cref="TileRows"/>), then runs outer-product tiles of <see cref="TileRows"/> rows × W columns: per k one
/// broadcast weight per row times two panel vectors, 12 vector accumulators and no horizontal sums. K is cut into
/// <see cref="KBlock"/> slices so a group's slice stays in L1 while the row tiles pass over it; partial sums collect in
/// a per-item buffer and are scattered to the output columns at the end.
/// </summary>
internal static unsafe class GroupedMatMul
{
    /// <summary>Weight rows of one tile (6 rows × 2 vectors = 12 accumulators, fits 16 vector registers).</summary>
    public const int TileRows = 6;

    private const int KBlock = 256;
    private const int MaxItemColumns = 128;
    private const int MaxItemRows = 60;
    private const int ConvertChunk = 128;
    private const int MaxGroupWidth = 32;

    /// <summary>Columns per panel group for vectors of <paramref name="count"/> floats.</summary>
    public static int GroupWidth(int count) => 2 * count;

    /// <summary>True when <paramref name="columns"/> columns of <paramref name="kind"/> weights take this path.</summary>
    public static bool Applies(WeightKind kind, long columns, int width) =>
        kind is WeightKind.F16 or WeightKind.Bf16 && columns >= width;

    /// <summary>Bytes of the K-major activation panel.</summary>
    public static long PanelBytes(long k, long columns, long planes, int width) =>
        checked(planes * Groups(columns, width) * width * k * sizeof(float));

    /// <summary>Bytes one thread needs for its widened rows and partial sums.</summary>
    public static long ScratchBytes(long k, int width) =>
        checked((ItemRows(k) * PackStride(k) * sizeof(float)) + (ItemRows(k) * ItemGroups(width) * width * sizeof(float)));

    [SkipLocalsInit]
    public static void Run<TOps, TVec, TW>(in ComputeParams p, Tensor node, in MatMulOperands op, long scratchStride)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
        where TW : IWeightFormat
    {
        Tensor src0 = node.Src[0]!;
        Tensor src1 = node.Src[1]!;
        int w = GroupWidth(TOps.Count);
        long k = op.K;
        long ne01 = src0.Ne[1];
        long ne11 = src1.Ne[1];
        long ne12 = src1.Ne[2];
        long planes = ne12 * src1.Ne[3];
        long groups = Groups(ne11, w);
        float* panel = (float*)p.WData;
        long panelBytes = MulMatKernel.Align(PanelBytes(k, ne11, planes, w));
        ConvertShare(p, op, src1, panel, w);
        if (p.Ith == 0)
        {
            p.SharedCounter = p.Nth;
        }
        p.Barrier();

        long ld = PackStride(k);
        float* pack = (float*)(p.WData + panelBytes + (p.Ith * scratchStride));
        float* sums = pack + (ItemRows(k) * ld);
        long r2 = ne12 / src0.Ne[2];
        long r3 = src1.Ne[3] / src0.Ne[3];
        long rb = ItemRows(k);
        long gb = ItemGroups(w);
        long target = 4L * p.Nth;
        while (planes * Ceil(ne01, rb) * Ceil(groups, gb) < target && rb > TileRows)
        {
            rb = Math.Max(TileRows, rb / 2 / TileRows * TileRows);
        }
        while (planes * Ceil(ne01, rb) * Ceil(groups, gb) < target && gb > 1)
        {
            gb /= 2;
        }
        long rowBlocks = Ceil(ne01, rb);
        long perPlane = rowBlocks * Ceil(groups, gb);
        long total = planes * perPlane;

        for (long item = p.Ith; item < total; item = Interlocked.Increment(ref p.SharedCounter) - 1)
        {
            long plane = item / perPlane;
            long rest = item - (plane * perPlane);
            long groupBlock = rest / rowBlocks;
            long rowBlock = rest - (groupBlock * rowBlocks);
            long i13 = plane / ne12;
            long i12 = plane - (i13 * ne12);
            long row0 = rowBlock * rb;
            long rows = Math.Min(rb, ne01 - row0);
            long g0 = groupBlock * gb;
            long gn = Math.Min(gb, groups - g0);
            byte* a = src0.DataPtr + (i12 / r2 * src0.Nb[2]) + (i13 / r3 * src0.Nb[3]) + (row0 * src0.Nb[1]);
            long padded = Ceil(rows, TileRows) * TileRows;
            DotTiles.Widen<TOps, TVec, TW>(k, a, src0.Nb[1], rows, pack, ld);
            for (long r = rows; r < padded; r++)
            {
                NativeMemory.Clear(pack + (r * ld), (nuint)(k * sizeof(float)));
            }
            float* first = panel + ((plane * groups) + g0) * w * k;
            for (long k0 = 0; k0 < k; k0 += KBlock)
            {
                long kn = Math.Min(KBlock, k - k0);
                for (long g = 0; g < gn; g++)
                {
                    float* b = first + (((g * k) + k0) * w);
                    float* c = sums + (g * padded * w);
                    for (long r = 0; r < padded; r += TileRows)
                    {
                        Tile<TOps, TVec>(kn, pack + (r * ld) + k0, ld, b, c + (r * w), k0 > 0);
                    }
                }
            }
            for (long g = 0; g < gn; g++)
            {
                long col0 = (g0 + g) * w;
                int cols = (int)Math.Min(w, ne11 - col0);
                float* c = sums + (g * padded * w);
                for (int j = 0; j < cols; j++)
                {
                    float* d = (float*)node.RowPtr(col0 + j, i12, i13) + row0;
                    for (long r = 0; r < rows; r++)
                    {
                        d[r] = c[(r * w) + j];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Converts this thread's share of K (for every src1 row) into the K-major panel: column i1 of plane q goes to group
    /// q·groups + i1 / W at lane i1 % W; the lanes past the last column are zeroed. A group's columns are converted a
    /// chunk of K at a time into a small buffer and then written out k by k, so the panel is filled sequentially.
    /// </summary>
    [SkipLocalsInit]
    private static void ConvertShare(in ComputeParams p, in MatMulOperands op, Tensor src1, float* panel, int w)
    {
        long k = op.K;
        (long e0, long e1) = p.Share(k);
        if (e1 <= e0)
        {
            return;
        }
        long ne11 = src1.Ne[1];
        long groups = Groups(ne11, w);
        int chunk = MaxGroupWidth * ConvertChunk / w;
        float* tmp = stackalloc float[MaxGroupWidth * ConvertChunk];
        long plane = 0;
        for (long i3 = 0; i3 < src1.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < src1.Ne[2]; i2++, plane++)
            {
                for (long g = 0; g < groups; g++)
                {
                    float* group = panel + (((plane * groups) + g) * w * k);
                    for (long s = e0; s < e1; s += chunk)
                    {
                        int n = (int)Math.Min(chunk, e1 - s);
                        for (int c = 0; c < w; c++)
                        {
                            long i1 = (g * w) + c;
                            if (i1 < ne11)
                            {
                                op.ConvertFloats(src1.Type, src1.RowPtr(i1, i2, i3), s, n, tmp + (c * chunk));
                            }
                            else
                            {
                                new Span<float>(tmp + (c * chunk), n).Clear();
                            }
                        }
                        float* o = group + (s * w);
                        for (int e = 0; e < n; e++)
                        {
                            for (int c = 0; c < w; c++)
                            {
                                o[c] = tmp[(c * chunk) + e];
                            }
                            o += w;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="TileRows"/> widened weight rows (<paramref name="a"/>, <paramref name="lda"/> floats apart) times one
    /// K-major group slice <paramref name="b"/> over <paramref name="kc"/> steps; adds to (or, first, sets) the
    /// row-major sums <paramref name="c"/>[r·W + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TOps, TVec>(long kc, float* a, long lda, float* b, float* c, bool accumulate)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        long n = TOps.Count;
        long w = 2 * n;
        float* a1 = a + lda;
        float* a2 = a1 + lda;
        float* a3 = a2 + lda;
        float* a4 = a3 + lda;
        float* a5 = a4 + lda;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        for (long i = 0; i < kc; i++)
        {
            TVec x0 = TOps.Load(b);
            TVec x1 = TOps.Load(b + n);
            b += w;
            TVec v = TOps.Broadcast(a + i);
            c00 = TOps.MulAdd(v, x0, c00);
            c01 = TOps.MulAdd(v, x1, c01);
            v = TOps.Broadcast(a1 + i);
            c10 = TOps.MulAdd(v, x0, c10);
            c11 = TOps.MulAdd(v, x1, c11);
            v = TOps.Broadcast(a2 + i);
            c20 = TOps.MulAdd(v, x0, c20);
            c21 = TOps.MulAdd(v, x1, c21);
            v = TOps.Broadcast(a3 + i);
            c30 = TOps.MulAdd(v, x0, c30);
            c31 = TOps.MulAdd(v, x1, c31);
            v = TOps.Broadcast(a4 + i);
            c40 = TOps.MulAdd(v, x0, c40);
            c41 = TOps.MulAdd(v, x1, c41);
            v = TOps.Broadcast(a5 + i);
            c50 = TOps.MulAdd(v, x0, c50);
            c51 = TOps.MulAdd(v, x1, c51);
        }
        Put<TOps, TVec>(c, c00, accumulate);
        Put<TOps, TVec>(c + n, c01, accumulate);
        Put<TOps, TVec>(c + w, c10, accumulate);
        Put<TOps, TVec>(c + w + n, c11, accumulate);
        Put<TOps, TVec>(c + (2 * w), c20, accumulate);
        Put<TOps, TVec>(c + (2 * w) + n, c21, accumulate);
        Put<TOps, TVec>(c + (3 * w), c30, accumulate);
        Put<TOps, TVec>(c + (3 * w) + n, c31, accumulate);
        Put<TOps, TVec>(c + (4 * w), c40, accumulate);
        Put<TOps, TVec>(c + (4 * w) + n, c41, accumulate);
        Put<TOps, TVec>(c + (5 * w), c50, accumulate);
        Put<TOps, TVec>(c + (5 * w) + n, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TOps, TVec>(float* c, TVec value, bool accumulate)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged
    {
        TOps.Store(accumulate ? TOps.Add(TOps.Load(c), value) : value, c);
    }

    /// <summary>Floats between widened rows: K padded to 16, plus 16 so that the rows of a tile fall in different L1 sets.</summary>
    private static long PackStride(long k) => MatMulTiling.PaddedK(k) + 16;

    private static long ItemRows(long k) =>
        Math.Clamp(65536 / PackStride(k) / TileRows * TileRows, TileRows, MaxItemRows);

    private static long ItemGroups(int width) => Math.Max(1, MaxItemColumns / width);

    private static long Groups(long columns, int width) => Ceil(columns, width);

    private static long Ceil(long a, long b) => (a + b - 1) / b;
}
