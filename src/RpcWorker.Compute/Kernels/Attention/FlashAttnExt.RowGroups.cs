namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// ggml's one-chunk loop for F16 K and V, run for a group of up to <see cref="GroupRows"/> query rows that read the
/// same KV head (the query heads of one grouped-query KV head, or the query rows of one head): each block of
/// <see cref="KvTile"/> KV rows is widened to F32 once for the whole group, then every row takes its scores, online
/// softmax steps and F16-precision value accumulation (<see cref="HalfAccumulation"/>) against the widened block.
/// Each row sees exactly ggml's per-KV-row arithmetic in ggml's order (an F16 dot of the F16-rounded query, the
/// rescale and the F16 rounding of VKQ after every step), so the result is that of <see cref="Job.Row"/>.
/// </summary>
internal sealed unsafe partial class FlashAttnExtKernel
{
    private const int GroupRows = 8;
    private const long MaxGroupHeadSize = 512;

    private static bool UseGroups(Tensor q, Tensor k, Tensor v) =>
        k.Type == GgmlType.F16 && v.Type == GgmlType.F16 && k.Ne[0] <= MaxGroupHeadSize && v.Ne[0] <= MaxGroupHeadSize
        && !IsGgmlTiled(q, k, v);

    /// <summary>Query rows G·dk, VKQ rows G·dv, the widened K and V block, scores G·64, step records, running M and S.</summary>
    private static long GroupFloats(long dk, long dv) =>
        (GroupRows * (dk + dv + KvTile + 2)) + (KvTile * (dk + dv)) + (3 * KvTile) + dk + CacheLineFloats;

    private readonly partial struct Job
    {
        /// <summary>How many rows from <paramref name="ir"/> (below <paramref name="end"/>) share its K and V heads.</summary>
        public int GroupLength(long ir, long end)
        {
            (long ik2, long ik3, long iv2, long iv3) = KvHeads(ir);
            int n = 1;
            while (n < GroupRows && ir + n < end && KvHeads(ir + n) == (ik2, ik3, iv2, iv3))
            {
                n++;
            }
            return n;
        }

        private (long Ik2, long Ik3, long Iv2, long Iv3) KvHeads(long ir)
        {
            (_, long iq2, long iq3) = QueryIndex(ir);
            long neq2 = _q.Ne[2], neq3 = _q.Ne[3];
            return (iq2 / (neq2 / _k.Ne[2]), iq3 / (neq3 / _k.Ne[3]), iq2 / (neq2 / _v.Ne[2]), iq3 / (neq3 / _v.Ne[3]));
        }

        /// <summary>
        /// Rows [ir0, ir0 + count) over KV rows [icStart, icEnd). With <paramref name="partialBase"/> the state
        /// [M, S, VKQ] of row ir goes to <c>partialBase + ir·partialStep</c> for <see cref="Reduce"/>; otherwise the
        /// normalized rows are written.
        /// </summary>
        public void Rows(long ir0, int count, long icStart, long icEnd, float* scratch, float* partialBase, long partialStep)
        {
            int dk = (int)_k.Ne[0], dv = (int)_v.Ne[0];
            float* qf = scratch;
            float* vkq = qf + (GroupRows * dk);
            float* kb = vkq + (GroupRows * dv);
            float* vb = kb + (KvTile * dk);
            float* sc = vb + (KvTile * dv);
            float* msSteps = sc + (GroupRows * KvTile);
            float* vsSteps = msSteps + KvTile;
            int* idx = (int*)(vsSteps + KvTile);
            float* maxs = (float*)(idx + KvTile);
            float* sums = maxs + GroupRows;
            ushort* h16 = (ushort*)(sums + GroupRows);

            ushort** masks = stackalloc ushort*[GroupRows];
            float* slopes = stackalloc float[GroupRows];
            for (int r = 0; r < count; r++)
            {
                (long iq1, long iq2, long iq3) = QueryIndex(ir0 + r);
                slopes[r] = Slope(iq2);
                masks[r] = _mask is null ? null : (ushort*)_mask.RowPtr(iq1, iq2 % _mask.Ne[2], iq3 % _mask.Ne[3]);
                PrepareQuery((float*)_q.RowPtr(iq1, iq2, iq3), qf + ((long)r * dk), null, h16, dk);
                maxs[r] = float.NegativeInfinity;
                sums[r] = 0.0f;
            }
            new Span<float>(vkq, count * dv).Clear();

            (long ik2, long ik3, long iv2, long iv3) = KvHeads(ir0);
            byte* k0 = _k.RowPtr(0, ik2, ik3);
            byte* v0 = _v.RowPtr(0, iv2, iv3);
            long nbk1 = _k.Nb[1], nbv1 = _v.Nb[1];
            bool* live = stackalloc bool[KvTile];

            for (long ic = icStart; ic < icEnd; ic += KvTile)
            {
                int n = (int)Math.Min(KvTile, icEnd - ic);
                if (!LoadBlock(ic, n, count, masks, slopes, sc, live, k0, nbk1, v0, nbv1, kb, vb, dk, dv))
                {
                    continue;
                }
                for (int r = 0; r < count; r++)
                {
                    float* sr = sc + (r * KvTile);
                    float* qr = qf + ((long)r * dk);
                    float max = maxs[r], sum = sums[r];
                    int steps = 0;
                    for (int j = 0; j < n; j++)
                    {
                        float mv = sr[j];
                        if (mv == float.NegativeInfinity)
                        {
                            continue;
                        }
                        float s = RowDot.DotF32(kb + ((long)j * dk), qr, dk, _level) * _scale;
                        if (_softcap != 0.0f)
                        {
                            s = _softcap * MathF.Tanh(s);
                        }
                        s += mv;
                        float ms = 1.0f, vs = 1.0f;
                        if (s > max)
                        {
                            ms = MathF.Exp(max - s);
                            max = s;
                        }
                        else
                        {
                            vs = MathF.Exp(s - max);
                        }
                        sum = sum * ms + vs;
                        idx[steps] = j;
                        msSteps[steps] = ms;
                        vsSteps[steps] = vs;
                        steps++;
                    }
                    maxs[r] = max;
                    sums[r] = sum;
                    HalfAccumulation.Run(vkq + ((long)r * dv), vb, dv, idx, msSteps, vsSteps, steps, _level);
                }
            }

            for (int r = 0; r < count; r++)
            {
                (long iq1, long iq2, long iq3) = QueryIndex(ir0 + r);
                float* partial = partialBase is null ? null : partialBase + ((ir0 + r) * partialStep);
                FinishRow(vkq + ((long)r * dv), maxs[r], sums[r], iq1, iq2, iq3, icStart == 0, partial);
            }
        }

        /// <summary>
        /// The sloped mask of every row for KV rows [ic, ic + n) into <paramref name="sc"/>, and the K and V rows that
        /// some row does not mask widened into <paramref name="kb"/> / <paramref name="vb"/>; false when every row
        /// masks the whole block.
        /// </summary>
        private bool LoadBlock(long ic, int n, int count, ushort** masks, float* slopes, float* sc, bool* live,
            byte* k0, long nbk1, byte* v0, long nbv1, float* kb, float* vb, int dk, int dv)
        {
            bool any = false;
            for (int j = 0; j < n; j++)
            {
                live[j] = false;
            }
            for (int r = 0; r < count; r++)
            {
                float* sr = sc + (r * KvTile);
                ushort* mp = masks[r];
                if (mp is null)
                {
                    new Span<float>(sr, n).Clear();
                    new Span<bool>(live, n).Fill(true);
                    any = true;
                    continue;
                }
                if (r > 0 && mp == masks[r - 1] && slopes[r] == slopes[r - 1])
                {
                    Buffer.MemoryCopy(sr - KvTile, sr, n * sizeof(float), n * sizeof(float));
                    continue;
                }
                RowDot.WidenHalf(mp + ic, sr, n, _level);
                if (slopes[r] != 1.0f)
                {
                    RowDot.Scale(sr, slopes[r], n, _level);
                }
                for (int j = 0; j < n; j++)
                {
                    if (sr[j] != float.NegativeInfinity)
                    {
                        live[j] = true;
                        any = true;
                    }
                }
            }
            if (!any)
            {
                return false;
            }
            for (int j = 0; j < n; j++)
            {
                if (live[j])
                {
                    RowDot.WidenHalf((ushort*)(k0 + ((ic + j) * nbk1)), kb + ((long)j * dk), dk, _level);
                    RowDot.WidenHalf((ushort*)(v0 + ((ic + j) * nbv1)), vb + ((long)j * dv), dv, _level);
                }
            }
            return true;
        }
    }
}
