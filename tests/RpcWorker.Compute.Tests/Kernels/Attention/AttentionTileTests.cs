using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Compute.Tests.Kernels.Attention;

public unsafe class AttentionTileTests
{
    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (SimdLevel level in AttentionLevels.All)
        {
            data.Add(level);
        }
        return data;
    }

    private static float[] RandomFloats(Random rng, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return x;
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Scores_MatchReferenceAndScalarBitForBit(SimdLevel level)
    {
        const int Rows = 8, Dk = 37, Cols = 32, Lds = 48;
        var rng = new Random(3);
        float[] q = RandomFloats(rng, Rows * Dk);
        float[] kt = RandomFloats(rng, Dk * Lds);
        float[] s = new float[Rows * Lds];
        float[] scalar = new float[Rows * Lds];
        fixed (float* pq = q, pk = kt, ps = s, pscalar = scalar)
        {
            AttentionTile.Scores(pq, Dk, Rows, pk, Lds, Cols, 0.25f, ps, level);
            AttentionTile.Scores(pq, Dk, Rows, pk, Lds, Cols, 0.25f, pscalar, SimdLevel.Scalar);
        }
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Cols; c++)
            {
                double dot = 0;
                for (int d = 0; d < Dk; d++)
                {
                    dot += (double)q[(r * Dk) + d] * kt[(d * Lds) + c];
                }
                Assert.True(Math.Abs(s[(r * Lds) + c] - (dot * 0.25)) < 1e-5, $"[{r},{c}] {s[(r * Lds) + c]} vs {dot * 0.25}");
                Assert.Equal(scalar[(r * Lds) + c], s[(r * Lds) + c]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Accumulate_AddsProductAndMatchesScalarBitForBit(SimdLevel level)
    {
        const int Rows = 8, Ldp = 40, N = 29, Dv = 32;
        var rng = new Random(4);
        float[] p = RandomFloats(rng, Rows * Ldp);
        float[] v = RandomFloats(rng, N * Dv);
        float[] o = RandomFloats(rng, Rows * Dv);
        float[] start = (float[])o.Clone();
        float[] scalar = (float[])o.Clone();
        fixed (float* pp = p, pv = v, po = o, pscalar = scalar)
        {
            AttentionTile.Accumulate(pp, Ldp, Rows, pv, Dv, N, po, level);
            AttentionTile.Accumulate(pp, Ldp, Rows, pv, Dv, N, pscalar, SimdLevel.Scalar);
        }
        for (int r = 0; r < Rows; r++)
        {
            for (int d = 0; d < Dv; d++)
            {
                double expected = start[(r * Dv) + d];
                for (int t = 0; t < N; t++)
                {
                    expected += (double)p[(r * Ldp) + t] * v[(t * Dv) + d];
                }
                Assert.True(Math.Abs(o[(r * Dv) + d] - expected) < 1e-5, $"[{r},{d}] {o[(r * Dv) + d]} vs {expected}");
                Assert.Equal(scalar[(r * Dv) + d], o[(r * Dv) + d]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void LoadKeys_TransposesF16AndF32RowsAndZeroesPaddedColumns(SimdLevel level)
    {
        const int N = 21, Dk = 19, Stride = 24, Ld = 40, Cols = 32;
        var rng = new Random(5);
        float[] rows = RandomFloats(rng, N * Stride);
        rows[3] = float.NegativeInfinity;
        rows[Stride + 2] = 6e-8f;
        var halves = new ushort[N * Stride];
        for (int i = 0; i < halves.Length; i++)
        {
            halves[i] = Fp16.FromSingle(rows[i]);
        }
        float[] fromF32 = new float[Dk * Ld];
        float[] fromF16 = new float[Dk * Ld];
        Array.Fill(fromF32, float.NaN);
        Array.Fill(fromF16, float.NaN);
        fixed (float* src = rows, kt32 = fromF32, kt16 = fromF16)
        fixed (ushort* h = halves)
        {
            AttentionTile.LoadKeys((byte*)src, Stride * sizeof(float), false, N, Dk, kt32, Ld, Cols, level);
            AttentionTile.LoadKeys((byte*)h, Stride * sizeof(ushort), true, N, Dk, kt16, Ld, Cols, level);
        }
        for (int d = 0; d < Dk; d++)
        {
            for (int t = 0; t < Cols; t++)
            {
                float want32 = t < N ? rows[(t * Stride) + d] : 0f;
                float want16 = t < N ? Fp16.ToSingle(halves[(t * Stride) + d]) : 0f;
                Assert.Equal(want32, fromF32[(d * Ld) + t]);
                Assert.Equal(want16, fromF16[(d * Ld) + t]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void AddMask_AddsSlopedHalvesAndDetectsFullyMaskedRows(SimdLevel level)
    {
        const int N = 27;
        var rng = new Random(6);
        float[] s = RandomFloats(rng, N);
        float[] start = (float[])s.Clone();
        var m = new ushort[N];
        for (int i = 0; i < N; i++)
        {
            m[i] = Fp16.FromSingle(i % 5 == 0 ? float.NegativeInfinity : (float)(rng.NextDouble() * 4 - 2));
        }
        var hidden = new ushort[N];
        Array.Fill(hidden, Fp16.FromSingle(float.NegativeInfinity));
        fixed (float* ps = s)
        fixed (ushort* pm = m, ph = hidden)
        {
            AttentionTile.AddMask(ps, pm, N, 0.5f, level);
            Assert.False(AttentionTile.IsMasked(pm, N, 0.5f, level));
            Assert.True(AttentionTile.IsMasked(ph, N, 0.5f, level));
            foreach (int visible in new[] { 0, 9, N - 1 })
            {
                ph[visible] = Fp16.FromSingle(-60000f);
                Assert.False(AttentionTile.IsMasked(ph, N, 0.5f, level));
                ph[visible] = Fp16.FromSingle(float.NegativeInfinity);
            }
        }
        for (int i = 0; i < N; i++)
        {
            Assert.Equal(start[i] + (0.5f * Fp16.ToSingle(m[i])), s[i]);
        }
    }
}
