using System.Runtime.InteropServices;
using RpcWorker.Client;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Bench.Sections;

/// <summary>
/// A synthetic llama-style stack built on the wire (RMS norm, Q/K/V/O products, RoPE, KV-cache writes, flash attention,
/// SwiGLU feed-forward, residuals), timed for decode (one token) and prefill (a batch): tokens per second.
/// </summary>
internal sealed class TransformerBlockSection : IBenchSection
{
    public string Name => "block";

    public async Task RunAsync(BenchContext context)
    {
        BenchOptions o = context.Options;
        await using RpcClient client = await context.ConnectAsync();
        foreach (long tokens in new[] { 1L, o.Batch })
        {
            long kvLength = tokens == 1 ? o.Context : Math.Max(o.Context, tokens);
            string label = $"{TypeTraits.Get(o.Type).Name} {o.Layers}x(embd {o.Embd}, ff {o.FeedForward}) kv {kvLength}";
            var block = new BlockGraph(o, tokens, kvLength);

            await using RemoteArena arena = await RemoteArena.AllocateAsync(client, block.Graph.ArenaSize, context.CancellationToken);
            context.Progress.Show(Name, $"{label}: uploading {block.Graph.ArenaSize >> 20} MiB");
            await block.UploadAsync(arena, context.CancellationToken);

            context.Progress.Show(Name, $"{label}: {(tokens == 1 ? "decode" : "prefill")}");
            await arena.ComputeAsync(block.Graph, context.CancellationToken);
            double t = Stats.Of(await context.RepeatAsync(() => arena.RecomputeAsync(context.CancellationToken))).Median;
            string benchCase = tokens == 1 ? $"decode {label}" : $"prefill {tokens} {label}";
            context.Add(Name, benchCase, "speed", tokens / t, "tokens/s");
            context.Add(Name, benchCase, "weights", block.WeightBytes / t / 1e9, "GB/s");
        }
    }

    /// <summary>The graph of <see cref="BenchOptions.Layers"/> blocks and the leaves that need data.</summary>
    private sealed class BlockGraph
    {
        private readonly List<WireTensor> _weights = [];
        private readonly List<WireTensor> _caches = [];
        private readonly WireTensor _input;
        private readonly WireTensor _positions;
        private readonly WireTensor _rows;
        private readonly WireTensor _mask;
        private readonly long _tokens;
        private readonly long _kvLength;

        public BlockGraph(BenchOptions o, long tokens, long kvLength)
        {
            _tokens = tokens;
            _kvLength = kvLength;
            long headDim = o.Embd / o.Heads;
            long kvEmbd = headDim * o.KvHeads;
            WireGraph g = Graph;
            _input = g.Leaf(GgmlType.F32, "inp_embd", o.Embd, tokens);
            _positions = g.Leaf(GgmlType.I32, "inp_pos", tokens);
            _rows = g.Leaf(GgmlType.I64, "kv_rows", tokens);
            _mask = g.Leaf(GgmlType.F16, "kq_mask", kvLength, tokens);

            WireTensor x = _input;
            for (int layer = 0; layer < o.Layers; layer++)
            {
                WireTensor Weight(string name, long k, long n)
                {
                    WireTensor w = g.Leaf(o.Type, $"blk.{layer}.{name}", k, n);
                    _weights.Add(w);
                    return w;
                }
                WireTensor Norm(string name)
                {
                    WireTensor w = g.Leaf(GgmlType.F32, $"blk.{layer}.{name}", o.Embd);
                    _weights.Add(w);
                    return w;
                }
                WireTensor RmsNorm(WireTensor a, WireTensor weight, string name)
                {
                    WireTensor n = g.Node(GgmlOp.RmsNorm, GgmlType.F32, a.Ne, $"{name}-{layer}", [a], [BitConverter.SingleToInt32Bits(1e-5f)]);
                    return g.Node(GgmlOp.Mul, GgmlType.F32, a.Ne, $"{name}_w-{layer}", [n, weight]);
                }
                WireTensor MatMul(WireTensor w, WireTensor a, string name) =>
                    g.Node(GgmlOp.MulMat, GgmlType.F32, [w.Ne[1], a.Ne[1]], $"{name}-{layer}", [w, a]);
                WireTensor Rope(WireTensor a, string name)
                {
                    int[] p = new int[16];
                    p[1] = (int)headDim;
                    p[4] = (int)o.Context;
                    p[5] = BitConverter.SingleToInt32Bits(10000f);
                    p[6] = BitConverter.SingleToInt32Bits(1f);
                    p[8] = BitConverter.SingleToInt32Bits(1f);
                    p[9] = BitConverter.SingleToInt32Bits(32f);
                    p[10] = BitConverter.SingleToInt32Bits(1f);
                    return g.Node(GgmlOp.Rope, GgmlType.F32, a.Ne, $"{name}-{layer}", [a, _positions], p);
                }

                WireTensor cacheK = g.Leaf(GgmlType.F16, $"cache_k_l{layer}", kvEmbd, kvLength);
                WireTensor cacheV = g.Leaf(GgmlType.F16, $"cache_v_l{layer}", kvEmbd, kvLength);
                _caches.Add(cacheK);
                _caches.Add(cacheV);

                WireTensor cur = RmsNorm(x, Norm("attn_norm"), "attn_norm");
                WireTensor q = MatMul(Weight("attn_q", o.Embd, o.Embd), cur, "Qcur");
                WireTensor k = MatMul(Weight("attn_k", o.Embd, kvEmbd), cur, "Kcur");
                WireTensor v = MatMul(Weight("attn_v", o.Embd, kvEmbd), cur, "Vcur");
                WireTensor qr = Rope(g.Reshape(q, $"Qcur-{layer} (reshaped)", headDim, o.Heads, tokens), "Qrope");
                WireTensor kr = Rope(g.Reshape(k, $"Kcur-{layer} (reshaped)", headDim, o.KvHeads, tokens), "Krope");
                WireTensor kFlat = g.Reshape(kr, $"Krope-{layer} (flat)", kvEmbd, tokens);
                g.ViewNode(GgmlOp.SetRows, cacheK, cacheK.Ne, cacheK.Nb, 0, $"cache_k_l{layer} (set)", [kFlat, _rows, cacheK]);
                g.ViewNode(GgmlOp.SetRows, cacheV, cacheV.Ne, cacheV.Nb, 0, $"cache_v_l{layer} (set)", [v, _rows, cacheV]);
                long[] kvNb = [2, kvEmbd * 2, headDim * 2, kvEmbd * 2 * kvLength];
                WireTensor kView = g.ViewNode(GgmlOp.View, cacheK, [headDim, kvLength, o.KvHeads, 1], kvNb, 0, $"k-{layer}", [cacheK]);
                WireTensor vView = g.ViewNode(GgmlOp.View, cacheV, [headDim, kvLength, o.KvHeads, 1], kvNb, 0, $"v-{layer}", [cacheV]);
                WireTensor qp = g.SwapDims12(qr, $"q-{layer}");
                WireTensor attn = g.Node(GgmlOp.FlashAttnExt, GgmlType.F32, [headDim, o.Heads, tokens], $"fattn-{layer}",
                    [qp, kView, vView, _mask], [BitConverter.SingleToInt32Bits(1f / MathF.Sqrt(headDim))]);
                WireTensor o2 = MatMul(Weight("attn_output", o.Embd, o.Embd), g.Reshape(attn, $"kqv_out-{layer}", o.Embd, tokens), "attn_out");
                WireTensor h = g.Node(GgmlOp.Add, GgmlType.F32, x.Ne, $"ffn_inp-{layer}", [x, o2]);

                WireTensor f = RmsNorm(h, Norm("ffn_norm"), "ffn_norm");
                WireTensor gate = MatMul(Weight("ffn_gate", o.Embd, o.FeedForward), f, "ffn_gate");
                WireTensor up = MatMul(Weight("ffn_up", o.Embd, o.FeedForward), f, "ffn_up");
                WireTensor act = g.Node(GgmlOp.Glu, GgmlType.F32, gate.Ne, $"ffn_swiglu-{layer}", [gate, up], [(int)GluOp.Swiglu, 0]);
                WireTensor down = MatMul(Weight("ffn_down", o.FeedForward, o.Embd), act, "ffn_out");
                x = g.Node(GgmlOp.Add, GgmlType.F32, h.Ne, $"l_out-{layer}", [h, down]);
            }
            WeightBytes = _weights.Sum(w => (double)w.NBytes);
        }

        public WireGraph Graph { get; } = new();

        public double WeightBytes { get; }

        public async Task UploadAsync(RemoteArena arena, CancellationToken ct)
        {
            var rng = new Random(7);
            foreach (WireTensor w in _weights)
            {
                await arena.UploadRandomAsync(w, rng, -0.05f, 0.05f, ct);
            }
            foreach (WireTensor c in _caches)
            {
                await arena.UploadRandomAsync(c, rng, -1, 1, ct);
            }
            await arena.UploadRandomAsync(_input, rng, -1, 1, ct);

            long first = _kvLength - _tokens;
            var positions = new int[_tokens];
            var rows = new long[_tokens];
            var mask = new ushort[_kvLength * _tokens];
            ushort negInf = Fp16.FromSingle(float.NegativeInfinity);
            for (long t = 0; t < _tokens; t++)
            {
                positions[t] = (int)(first + t);
                rows[t] = first + t;
                for (long j = 0; j < _kvLength; j++)
                {
                    mask[t * _kvLength + j] = j <= first + t ? (ushort)0 : negInf;
                }
            }
            await arena.UploadBytesAsync(_positions, MemoryMarshal.AsBytes(positions.AsSpan()).ToArray(), ct);
            await arena.UploadBytesAsync(_rows, MemoryMarshal.AsBytes(rows.AsSpan()).ToArray(), ct);
            await arena.UploadBytesAsync(_mask, MemoryMarshal.AsBytes(mask.AsSpan()).ToArray(), ct);
        }
    }
}
