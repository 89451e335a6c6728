using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// FLASH_ATTN_EXT (<c>ggml_compute_forward_flash_attn_ext_f16</c>): for every query row, an online softmax over the KV
/// rows of its (broadcast) head with scale, logit softcap, ALiBi-sloped F16 mask and an optional sink logit, writing the
/// permuted result [DV, n_head, n_q, batch]. Q is converted to K's dot type (F16/BF16 rounding, or the quantized
/// <c>vec_dot_type</c>) as ggml does; F16 V accumulates in F16 precision on ggml's one-chunk path and in F32 where ggml
/// takes its tiled path; on the one-chunk path F16 K and V blocks are widened once for the up to eight query rows
/// that share a KV head (FlashAttnExt.RowGroups.cs). Decode-shaped nodes (one query row, ≥ 512 KV rows, F32/F16
/// K = V) split the KV range across threads and merge the partial softmax states, as ggml does. Where ggml tiles (≥ 64 queries, F32/F16 K = V), tiles
/// of up to 64 query rows of one head run against blocks of 64 KV rows widened to F32 once per tile
/// (<see cref="AttentionTile"/>), with ggml's per-block online softmax; the team takes (head, tile) items from the
/// shared counter.
/// </summary>
internal sealed unsafe partial class FlashAttnExtKernel : IOpKernel
{
    private const int PrecDefault = 0;
    private const int PrecF32 = 10;
    private const int QTile = 64;
    private const int KvTile = 64;
    private const long MaxTileHeadSize = 1024;
    private const int F32PerVector = 16;
    private const int SplitKvMin = 512;
    private const int CacheLineFloats = 16;
    private const long MaxHeadSize = 1 << 20;

    private readonly SimdLevel _level;

    public FlashAttnExtKernel()
        : this(SimdSupport.Active)
    {
    }

    internal FlashAttnExtKernel(SimdLevel level) => _level = level;

    public string? Validate(Tensor node)
    {
        Tensor? q = node.Src[0], k = node.Src[1], v = node.Src[2];
        if (q is null || k is null || v is null)
        {
            return "flash_attn_ext needs q, k and v";
        }
        int prec = node.Params[3];
        if (prec is not (PrecDefault or PrecF32))
        {
            return $"flash_attn_ext precision {prec} is not supported";
        }
        if (node.Type != GgmlType.F32 || q.Type != GgmlType.F32)
        {
            return "flash_attn_ext needs f32 q and output";
        }
        if (!IsPlainType(k.Type))
        {
            RowFormat? kf = RowFormats.Find(k.Type);
            if (kf is null || !kf.CanVecDot || RowFormats.Find(kf.VecDotType) is not { CanFromFloat: true })
            {
                return $"flash_attn_ext cannot use {k.Info.Name} keys";
            }
        }
        if (!IsPlainType(v.Type) && RowFormats.Find(v.Type) is null)
        {
            return $"flash_attn_ext cannot use {v.Info.Name} values";
        }
        long dk = k.Ne[0], dv = v.Ne[0];
        if (dk <= 0 || dv <= 0 || dk > MaxHeadSize || dv > MaxHeadSize)
        {
            return "flash_attn_ext head size out of range";
        }
        if (q.Ne[0] != dk || node.Ne[0] != dv || node.Ne[1] != q.Ne[2] || node.Ne[2] != q.Ne[1] || node.Ne[3] != q.Ne[3])
        {
            return "flash_attn_ext shapes do not match";
        }
        if (dk % k.Info.BlockSize != 0 || dv % v.Info.BlockSize != 0)
        {
            return "flash_attn_ext head size is not a multiple of the block size";
        }
        if (!IsPlainType(k.Type) && dk % TypeTraits.BlockSize(RowFormats.Get(k.Type).VecDotType) != 0)
        {
            return "flash_attn_ext head size is not a multiple of the dot type's block size";
        }
        if (q.Nb[0] != sizeof(float) || k.Nb[0] != k.Info.TypeSize || v.Nb[0] != v.Info.TypeSize)
        {
            return "flash_attn_ext rows must be packed";
        }
        if (v.Ne[1] < k.Ne[1])
        {
            return "flash_attn_ext has fewer value rows than key rows";
        }
        if (q.Ne[2] % k.Ne[2] != 0 || q.Ne[3] % k.Ne[3] != 0 || q.Ne[2] % v.Ne[2] != 0 || q.Ne[3] % v.Ne[3] != 0)
        {
            return "flash_attn_ext heads do not broadcast";
        }
        if (!node.IsContiguous)
        {
            return "flash_attn_ext output must be contiguous";
        }
        if (node.Src[3] is { } mask)
        {
            if (mask.Type != GgmlType.F16 || mask.Nb[0] != sizeof(ushort) || mask.IsEmpty)
            {
                return "flash_attn_ext mask must be packed f16";
            }
            if (mask.Ne[0] < k.Ne[1] || mask.Ne[1] < q.Ne[1])
            {
                return "flash_attn_ext mask is smaller than kv x queries";
            }
        }
        if (node.Src[4] is { } sinks)
        {
            if (sinks.Type != GgmlType.F32 || !sinks.IsContiguous || sinks.NElements < q.Ne[2])
            {
                return "flash_attn_ext sinks must be contiguous f32 with one value per head";
            }
        }
        return null;
    }

    private static bool IsPlainType(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;

    private static long PerThreadFloats(long dk, long dv) => 3 * dk + 3 * dv + CacheLineFloats;

    private static long ThreadFloats(Tensor q, Tensor k, Tensor v) =>
        UseGroups(q, k, v) ? GroupFloats(k.Ne[0], v.Ne[0]) : PerThreadFloats(k.Ne[0], v.Ne[0]);

    private static long TileFloats(long dk, long dv) =>
        (QTile * dk) + (dk * KvTile) + (KvTile * dv) + (QTile * KvTile) + (QTile * dv) + (2 * QTile) + CacheLineFloats;

    private static bool UseSplitKv(Tensor q, Tensor k, Tensor v) =>
        q.Ne[1] == 1 && q.Ne[3] == 1 && k.Type is GgmlType.F32 or GgmlType.F16 && k.Type == v.Type && k.Ne[1] >= SplitKvMin;

    /// <summary>ggml's tiled path: F32 Q, F32 scores and F32 V accumulation instead of the one-chunk roundings.</summary>
    private static bool IsGgmlTiled(Tensor q, Tensor k, Tensor v) =>
        k.Type is GgmlType.F32 or GgmlType.F16 && k.Type == v.Type && q.Ne[1] >= QTile && v.Ne[0] % F32PerVector == 0
        && !UseSplitKv(q, k, v);

    /// <summary>Query tiles against KV blocks (head sizes capped so the per-thread tile scratch stays small).</summary>
    private static bool UseTiles(Tensor q, Tensor k, Tensor v) =>
        IsGgmlTiled(q, k, v) && k.Ne[0] <= MaxTileHeadSize && v.Ne[0] <= MaxTileHeadSize;

    public long GetWorkSize(Tensor node, int threads)
    {
        Tensor q = node.Src[0]!, k = node.Src[1]!, v = node.Src[2]!;
        if (UseTiles(q, k, v))
        {
            return threads * TileFloats(k.Ne[0], v.Ne[0]) * sizeof(float);
        }
        long floats = threads * ThreadFloats(q, k, v);
        if (UseSplitKv(q, k, v))
        {
            floats += q.Ne[2] * threads * (2 + v.Ne[0]);
        }
        return floats * sizeof(float);
    }

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor q = node.Src[0]!, k = node.Src[1]!, v = node.Src[2]!;
        var job = new Job(node, _level);
        long dk = k.Ne[0], dv = v.Ne[0];
        if (UseTiles(q, k, v))
        {
            ComputeTiles(p, job, q, (float*)p.WData + (p.Ith * TileFloats(dk, dv)));
            return;
        }
        long threadFloats = ThreadFloats(q, k, v);
        float* scratch = (float*)p.WData + p.Ith * threadFloats;
        bool groups = UseGroups(q, k, v);

        if (UseSplitKv(q, k, v))
        {
            long nek1 = k.Ne[1];
            long chunk = (nek1 + p.Nth - 1) / p.Nth;
            long icStart = p.Ith * chunk;
            long icEnd = Math.Min(icStart + chunk, nek1);
            long partialSize = 2 + dv;
            float* partials = (float*)p.WData + p.Nth * threadFloats;
            long heads = q.Ne[2];
            if (icStart >= nek1)
            {
                for (long head = 0; head < heads; head++)
                {
                    float* partial = partials + (head * p.Nth + p.Ith) * partialSize;
                    partial[0] = float.NegativeInfinity;
                    partial[1] = 0.0f;
                }
            }
            else if (groups)
            {
                for (long head = 0; head < heads;)
                {
                    int n = job.GroupLength(head, heads);
                    job.Rows(head, n, icStart, icEnd, scratch, partials + p.Ith * partialSize, p.Nth * partialSize);
                    head += n;
                }
            }
            else
            {
                for (long head = 0; head < heads; head++)
                {
                    job.Row(head, icStart, icEnd, scratch, partials + (head * p.Nth + p.Ith) * partialSize);
                }
            }
            p.Barrier();
            job.Reduce(p.Ith, p.Nth, partials, scratch);
            return;
        }

        long nr = q.Ne[1] * q.Ne[2] * q.Ne[3];
        long dr = (nr + p.Nth - 1) / p.Nth;
        long ir0 = dr * p.Ith;
        long ir1 = Math.Min(ir0 + dr, nr);
        if (groups)
        {
            for (long ir = ir0; ir < ir1;)
            {
                int n = job.GroupLength(ir, ir1);
                job.Rows(ir, n, 0, k.Ne[1], scratch, null, 0);
                ir += n;
            }
            return;
        }
        for (long ir = ir0; ir < ir1; ir++)
        {
            job.Row(ir, 0, k.Ne[1], scratch, null);
        }
    }

    /// <summary>
    /// Every (batch, query tile, head) item, taken from the team's shared counter: heads vary fastest so consecutive
    /// items share the tile's mask rows and their KV head, and the last tiles (the most unmasked KV blocks under a
    /// causal mask) go first.
    /// </summary>
    private static void ComputeTiles(in ComputeParams p, in Job job, Tensor q, float* scratch)
    {
        long tiles = (q.Ne[1] + QTile - 1) / QTile;
        long heads = q.Ne[2];
        long total = tiles * heads * q.Ne[3];
        if (p.Ith == 0)
        {
            p.SharedCounter = p.Nth;
        }
        p.Barrier();
        for (long item = p.Ith; item < total; item = Interlocked.Increment(ref p.SharedCounter) - 1)
        {
            long iq3 = item / (tiles * heads);
            long rest = item - (iq3 * tiles * heads);
            long tile = tiles - 1 - (rest / heads);
            long iq2 = rest - ((tiles - 1 - tile) * heads);
            long iq1 = tile * QTile;
            job.Tile(iq1, iq2, iq3, (int)Math.Min(QTile, q.Ne[1] - iq1), scratch);
        }
    }

    /// <summary>The per-node constants of one computation (what ggml recomputes per chunk).</summary>
    private readonly partial struct Job
    {
        private readonly Tensor _node, _q, _k, _v;
        private readonly Tensor? _mask;
        private readonly float* _sinks;
        private readonly SimdLevel _level;
        private readonly float _scale, _maxBias, _softcap, _m0, _m1;
        private readonly uint _nHeadLog2;
        private readonly bool _roundQ, _f16Accum;
        private readonly RowFormat? _kFormat, _qFormat, _vFormat;

        public Job(Tensor node, SimdLevel level)
        {
            _node = node;
            _q = node.Src[0]!;
            _k = node.Src[1]!;
            _v = node.Src[2]!;
            _mask = node.Src[3];
            _sinks = node.Src[4] is { } s ? (float*)s.Data : null;
            _level = level;
            _scale = node.Params.GetFloat(0);
            _maxBias = node.Params.GetFloat(1);
            _softcap = node.Params.GetFloat(2);
            if (_softcap != 0)
            {
                _scale /= _softcap;
            }
            uint nHead = (uint)_q.Ne[2];
            _nHeadLog2 = 1u << (int)Math.Floor(Math.Log2(nHead));
            _m0 = MathF.Pow(2.0f, -_maxBias / _nHeadLog2);
            _m1 = MathF.Pow(2.0f, -(_maxBias / 2.0f) / _nHeadLog2);

            bool tiled = IsGgmlTiled(_q, _k, _v);
            _roundQ = !tiled;
            _f16Accum = !tiled && _v.Type == GgmlType.F16;
            _kFormat = IsPlainType(_k.Type) ? null : RowFormats.Get(_k.Type);
            _qFormat = _kFormat is null ? null : RowFormats.Get(_kFormat.VecDotType);
            _vFormat = IsPlainType(_v.Type) ? null : RowFormats.Get(_v.Type);
        }

        /// <summary>
        /// One query row over KV rows [icStart, icEnd): ggml's one-chunk loop. With <paramref name="partial"/> the
        /// unnormalized state [M, S, VKQ] is stored for <see cref="Reduce"/>; otherwise the normalized row is written.
        /// </summary>
        public void Row(long ir, long icStart, long icEnd, float* scratch, float* partial)
        {
            (long iq1, long iq2, long iq3) = QueryIndex(ir);

            int dk = (int)_k.Ne[0], dv = (int)_v.Ne[0];
            float* qf = scratch;
            float* qq = qf + dk;
            float* vkq = qq + dk;
            float* v32 = vkq + dv;
            ushort* h16 = (ushort*)(v32 + dv);

            float slope = Slope(iq2);

            float sum = 0.0f;
            float max = float.NegativeInfinity;
            new Span<float>(vkq, dv).Clear();

            ushort* mp = _mask is null ? null
                : (ushort*)_mask.RowPtr(iq1, iq2 % _mask.Ne[2], iq3 % _mask.Ne[3]);

            long ik3 = iq3 / (_q.Ne[3] / _k.Ne[3]), ik2 = iq2 / (_q.Ne[2] / _k.Ne[2]);
            long iv3 = iq3 / (_q.Ne[3] / _v.Ne[3]), iv2 = iq2 / (_q.Ne[2] / _v.Ne[2]);

            float* pq = (float*)_q.RowPtr(iq1, iq2, iq3);
            PrepareQuery(pq, qf, (byte*)qq, h16, dk);

            for (long ic = icStart; ic < icEnd; ic++)
            {
                float mv = mp is null ? 0.0f : slope * Fp16.ToSingle(mp[ic]);
                if (mv == float.NegativeInfinity)
                {
                    continue;
                }

                float s = Dot(_k.RowPtr(ic, ik2, ik3), qf, (byte*)qq, dk) * _scale;
                if (_softcap != 0.0f)
                {
                    s = _softcap * MathF.Tanh(s);
                }
                s += mv;

                float mold = max;
                float ms = 1.0f;
                float vs = 1.0f;
                if (s > max)
                {
                    max = s;
                    ms = MathF.Exp(mold - max);
                    RowDot.Scale(vkq, ms, dv, _level);
                    if (_f16Accum)
                    {
                        RowDot.RoundToHalf(vkq, dv, _level);
                    }
                }
                else
                {
                    vs = MathF.Exp(s - max);
                }

                AddValue(vkq, _v.RowPtr(ic, iv2, iv3), vs, v32, dv);
                if (_f16Accum)
                {
                    RowDot.RoundToHalf(vkq, dv, _level);
                }
                sum = sum * ms + vs;
            }

            FinishRow(vkq, max, sum, iq1, iq2, iq3, icStart == 0, partial);
        }

        /// <summary>(iq1, iq2, iq3) of query row <paramref name="ir"/> (rows run over iq1, then heads, then batches).</summary>
        private (long Iq1, long Iq2, long Iq3) QueryIndex(long ir)
        {
            long neq1 = _q.Ne[1], neq2 = _q.Ne[2];
            long iq3 = ir / (neq2 * neq1);
            long iq2 = (ir - iq3 * neq2 * neq1) / neq1;
            return (ir - iq3 * neq2 * neq1 - iq2 * neq1, iq2, iq3);
        }

        /// <summary>The ALiBi slope of head <paramref name="head"/> (1 without a max bias).</summary>
        private float Slope(long head)
        {
            uint h = (uint)head;
            return _maxBias > 0.0f ? h < _nHeadLog2 ? MathF.Pow(_m0, h + 1) : MathF.Pow(_m1, 2 * (h - _nHeadLog2) + 1) : 1.0f;
        }

        /// <summary>
        /// The end of ggml's one-chunk loop for one query row: the sink logit of its head when <paramref name="withSink"/>
        /// (the chunk that starts at KV row 0), then either the unnormalized state [M, S, VKQ] into
        /// <paramref name="partial"/> or the normalized row into the output.
        /// </summary>
        private void FinishRow(float* vkq, float max, float sum, long iq1, long iq2, long iq3, bool withSink, float* partial)
        {
            int dv = (int)_v.Ne[0];
            if (_sinks is not null && withSink)
            {
                float s = _sinks[iq2];
                float ms = 1.0f;
                float vs = 1.0f;
                if (s > max)
                {
                    ms = MathF.Exp(max - s);
                    max = s;
                    RowDot.Scale(vkq, ms, dv, _level);
                }
                else
                {
                    vs = MathF.Exp(s - max);
                }
                sum = sum * ms + vs;
            }

            if (partial is not null)
            {
                partial[0] = max;
                partial[1] = sum;
                Buffer.MemoryCopy(vkq, partial + 2, dv * sizeof(float), dv * sizeof(float));
                return;
            }

            float sInv = sum == 0.0f ? 0.0f : 1.0f / sum;
            RowDot.Scale(vkq, sInv, dv, _level);
            float* dst = (float*)_node.RowPtr(iq2, iq1, iq3);
            Buffer.MemoryCopy(vkq, dst, dv * sizeof(float), dv * sizeof(float));
        }

        /// <summary>
        /// Query rows [iq1, iq1 + rows) of head iq2 against all KV rows in blocks of <see cref="KvTile"/>: blocks whose
        /// sloped mask is −∞ for every row are skipped, each block's scores get one max/rescale/exp-sum per row (ggml's
        /// tiled online softmax), then the sink and the normalized rows are written.
        /// </summary>
        public void Tile(long iq1, long iq2, long iq3, int rows, float* scratch)
        {
            int dk = (int)_k.Ne[0], dv = (int)_v.Ne[0];
            int rows4 = (rows + AttentionTile.RowBlock - 1) / AttentionTile.RowBlock * AttentionTile.RowBlock;
            float* qt = scratch;
            float* kt = qt + (QTile * dk);
            float* v32 = kt + (dk * KvTile);
            float* s = v32 + (KvTile * dv);
            float* o = s + (QTile * KvTile);
            float* mRun = o + (QTile * dv);
            float* lRun = mRun + QTile;

            float slope = Slope(iq2);
            long ik3 = iq3 / (_q.Ne[3] / _k.Ne[3]), ik2 = iq2 / (_q.Ne[2] / _k.Ne[2]);
            long iv3 = iq3 / (_q.Ne[3] / _v.Ne[3]), iv2 = iq2 / (_q.Ne[2] / _v.Ne[2]);
            bool f16 = _k.Type == GgmlType.F16;

            for (int r = 0; r < rows; r++)
            {
                Buffer.MemoryCopy(_q.RowPtr(iq1 + r, iq2, iq3), qt + ((long)r * dk), dk * sizeof(float), dk * sizeof(float));
                mRun[r] = float.NegativeInfinity;
                lRun[r] = 0.0f;
            }
            new Span<float>(qt + ((long)rows * dk), (rows4 - rows) * dk).Clear();
            new Span<float>(o, rows4 * dv).Clear();

            byte* mask0 = _mask is null ? null : _mask.RowPtr(iq1, iq2 % _mask.Ne[2], iq3 % _mask.Ne[3]);
            long nbm1 = _mask is null ? 0 : _mask.Nb[1];
            byte* k0 = _k.RowPtr(0, ik2, ik3);
            byte* v0 = _v.RowPtr(0, iv2, iv3);
            long nek1 = _k.Ne[1], nbk1 = _k.Nb[1], nbv1 = _v.Nb[1];

            for (long ic = 0; ic < nek1; ic += KvTile)
            {
                int n = (int)Math.Min(KvTile, nek1 - ic);
                if (mask0 is not null && BlockMasked(mask0 + (ic * sizeof(ushort)), nbm1, rows, n, slope, _level))
                {
                    continue;
                }
                int cols = (n + AttentionTile.ColBlock - 1) / AttentionTile.ColBlock * AttentionTile.ColBlock;
                AttentionTile.LoadKeys(k0 + (ic * nbk1), nbk1, f16, n, dk, kt, KvTile, cols, _level);
                AttentionTile.Scores(qt, dk, rows4, kt, KvTile, cols, _scale, s, _level);
                for (int r = 0; r < rows; r++)
                {
                    float* sr = s + (r * KvTile);
                    if (_softcap != 0.0f)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            sr[j] = _softcap * MathF.Tanh(sr[j]);
                        }
                    }
                    if (mask0 is not null)
                    {
                        AttentionTile.AddMask(sr, (ushort*)(mask0 + (r * nbm1)) + ic, n, slope, _level);
                    }
                    float max = VecMath.Max(sr, n, float.NegativeInfinity, _level);
                    if (max == float.NegativeInfinity)
                    {
                        new Span<float>(sr, n).Clear();
                        continue;
                    }
                    if (max > mRun[r])
                    {
                        float ms = MathF.Exp(mRun[r] - max);
                        RowDot.Scale(o + ((long)r * dv), ms, dv, _level);
                        lRun[r] *= ms;
                        mRun[r] = max;
                    }
                    lRun[r] = (float)(lRun[r] + VecMath.ExpSum(sr, sr, n, mRun[r], _level));
                }
                for (int r = rows; r < rows4; r++)
                {
                    new Span<float>(s + (r * KvTile), n).Clear();
                }
                AttentionTile.LoadValues(v0 + (ic * nbv1), nbv1, f16, n, dv, v32);
                AttentionTile.Accumulate(s, KvTile, rows4, v32, dv, n, o, _level);
            }

            for (int r = 0; r < rows; r++)
            {
                float* orow = o + ((long)r * dv);
                if (_sinks is not null)
                {
                    float sink = _sinks[iq2];
                    float ms = 1.0f;
                    float vs = 1.0f;
                    if (sink > mRun[r])
                    {
                        ms = MathF.Exp(mRun[r] - sink);
                        RowDot.Scale(orow, ms, dv, _level);
                    }
                    else
                    {
                        vs = MathF.Exp(sink - mRun[r]);
                    }
                    lRun[r] = (lRun[r] * ms) + vs;
                }
                RowDot.Scale(orow, lRun[r] == 0.0f ? 0.0f : 1.0f / lRun[r], dv, _level);
                Buffer.MemoryCopy(orow, _node.RowPtr(iq2, iq1 + r, iq3), dv * sizeof(float), dv * sizeof(float));
            }
        }

        private static bool BlockMasked(byte* mask, long nbm1, int rows, int n, float slope, SimdLevel level)
        {
            for (int r = 0; r < rows; r++)
            {
                if (!AttentionTile.IsMasked((ushort*)(mask + (r * nbm1)), n, slope, level))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>ggml_flash_attn_ext_reduce_partials: merges the per-thread KV chunks of every head.</summary>
        public void Reduce(int ith, int nth, float* partials, float* scratch)
        {
            int dv = (int)_v.Ne[0];
            long nek1 = _k.Ne[1];
            long chunk = (nek1 + nth - 1) / nth;
            long partialSize = 2 + dv;
            float* vkq = scratch;
            for (long head = ith; head < _q.Ne[2]; head += nth)
            {
                float mFinal = float.NegativeInfinity;
                float sFinal = 0.0f;
                new Span<float>(vkq, dv).Clear();
                for (long c = 0; c < nth; c++)
                {
                    if (c * chunk >= nek1)
                    {
                        continue;
                    }
                    float* partial = partials + (head * nth + c) * partialSize;
                    float mChunk = partial[0];
                    float sChunk = partial[1];
                    if (sChunk == 0.0f)
                    {
                        continue;
                    }
                    float mNew = MathF.Max(mFinal, mChunk);
                    float scaleOld = MathF.Exp(mFinal - mNew);
                    float scaleNew = MathF.Exp(mChunk - mNew);
                    float* vChunk = partial + 2;
                    for (int d = 0; d < dv; d++)
                    {
                        vkq[d] = vkq[d] * scaleOld + vChunk[d] * scaleNew;
                    }
                    sFinal = sFinal * scaleOld + sChunk * scaleNew;
                    mFinal = mNew;
                }
                if (sFinal != 0.0f)
                {
                    RowDot.Scale(vkq, 1.0f / sFinal, dv, _level);
                }
                Buffer.MemoryCopy(vkq, _node.RowPtr(head, 0, 0), dv * sizeof(float), dv * sizeof(float));
            }
        }

        private void PrepareQuery(float* pq, float* qf, byte* qq, ushort* h16, int dk)
        {
            switch (_k.Type)
            {
                case GgmlType.F32:
                    Buffer.MemoryCopy(pq, qf, dk * sizeof(float), dk * sizeof(float));
                    break;
                case GgmlType.F16:
                    if (_roundQ)
                    {
                        Fp16.FromSingle(pq, h16, dk);
                        Fp16.ToSingle(h16, qf, dk);
                    }
                    else
                    {
                        Buffer.MemoryCopy(pq, qf, dk * sizeof(float), dk * sizeof(float));
                    }
                    break;
                case GgmlType.BF16:
                    for (int i = 0; i < dk; i++)
                    {
                        qf[i] = Bf16.ToSingle(Bf16.FromSingle(pq[i]));
                    }
                    break;
                default:
                    _qFormat!.FromFloat(pq, qq, dk);
                    break;
            }
        }

        private float Dot(byte* kRow, float* qf, byte* qq, int dk) => _k.Type switch
        {
            GgmlType.F32 => RowDot.DotF32((float*)kRow, qf, dk, _level),
            GgmlType.F16 => RowDot.DotF16((ushort*)kRow, qf, dk, _level),
            GgmlType.BF16 => RowDot.DotBf16((ushort*)kRow, qf, dk, _level),
            _ => _kFormat!.VecDot(dk, kRow, qq),
        };

        private void AddValue(float* vkq, byte* vRow, float vs, float* v32, int dv)
        {
            switch (_v.Type)
            {
                case GgmlType.F32:
                    RowDot.MadF32(vkq, (float*)vRow, vs, dv, _level);
                    break;
                case GgmlType.F16:
                    RowDot.MadF16(vkq, (ushort*)vRow, vs, dv, _level);
                    break;
                case GgmlType.BF16:
                    Bf16.ToSingle((ushort*)vRow, v32, dv);
                    RowDot.MadF32(vkq, v32, vs, dv, _level);
                    break;
                default:
                    _vFormat!.ToFloat(vRow, v32, dv);
                    RowDot.MadF32(vkq, v32, vs, dv, _level);
                    break;
            }
        }
    }
}
