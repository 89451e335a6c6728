namespace RpcWorker.Compute.Tests.Kernels.Sequence;

public class RecurrenceTests
{
    private const int S = 4, H = 3, T = 6, Seqs = 2;

    [Fact]
    public void RwkvWkv6_MatchesReference() => Check(GgmlOp.RwkvWkv6, 6, (src, state, output, tk, seqState) =>
    {
        for (int h = 0; h < H; h++)
        {
            for (int i = 0; i < S; i++)
            {
                int ti = Idx(tk, h, i);
                for (int j = 0; j < S; j++)
                {
                    double kv = src[1][Idx(tk, h, j)] * src[0][ti];
                    double prev = state[seqState + (h * S + i) * S + j];
                    output[Idx(tk, h, j)] += (kv * src[3][h * S + i] + prev) * src[2][ti];
                    state[seqState + (h * S + i) * S + j] = prev * src[4][ti] + kv;
                }
            }
        }
    });

    [Fact]
    public void GatedLinearAttn_MatchesReference() => Check(GgmlOp.GatedLinearAttn, 5, (src, state, output, tk, seqState) =>
    {
        for (int h = 0; h < H; h++)
        {
            for (int i = 0; i < S; i++)
            {
                int ti = Idx(tk, h, i);
                for (int j = 0; j < S; j++)
                {
                    double value = state[seqState + (h * S + i) * S + j] * src[3][ti] + src[1][Idx(tk, h, j)] * src[0][ti];
                    output[Idx(tk, h, j)] += value * src[2][ti] * 0.5;
                    state[seqState + (h * S + i) * S + j] = value;
                }
            }
        }
    });

    [Fact]
    public void RwkvWkv7_MatchesReference() => Check(GgmlOp.RwkvWkv7, 7, (src, state, output, tk, seqState) =>
    {
        for (int h = 0; h < H; h++)
        {
            for (int i = 0; i < S; i++)
            {
                double sa = 0, result = 0;
                for (int j = 0; j < S; j++)
                {
                    sa += src[4][Idx(tk, h, j)] * state[seqState + (h * S + i) * S + j];
                }
                for (int j = 0; j < S; j++)
                {
                    int tj = Idx(tk, h, j);
                    double value = state[seqState + (h * S + i) * S + j] * src[1][tj] + src[3][Idx(tk, h, i)] * src[2][tj] + sa * src[5][tj];
                    state[seqState + (h * S + i) * S + j] = value;
                    result += value * src[0][tj];
                }
                output[Idx(tk, h, i)] = result;
            }
        }
    });

    [Fact]
    public void Validate_RejectsTokensThatDoNotSplitAcrossSequences()
    {
        using var tt = new TestTensors();
        var sources = new Tensor[5];
        for (int i = 0; i < 4; i++)
        {
            sources[i] = tt.New(GgmlType.F32, S, H, 5);
        }
        sources[4] = tt.New(GgmlType.F32, S * S * H, Seqs);
        Tensor dst = tt.Node(GgmlOp.GatedLinearAttn, GgmlType.F32, [S * H, 5 + S * Seqs], sources);
        Assert.NotNull(TestGraph.Rejection(dst));
    }

    private static int Idx(int token, int head, int channel) => (token * H + head) * S + channel;

    private delegate void Step(float[][] sources, double[] state, double[] output, int token, int seqState);

    private static void Check(GgmlOp op, int sourceCount, Step step)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            using var tt = new TestTensors();
            var rng = new Random((int)op);
            var sources = new Tensor[sourceCount];
            for (int i = 0; i < sourceCount - 1; i++)
            {
                sources[i] = op == GgmlOp.RwkvWkv6 && i == 3 ? tt.New(GgmlType.F32, S, H) : tt.New(GgmlType.F32, S, H, T);
                TestTensors.FillRandom(sources[i], rng, op == GgmlOp.RwkvWkv7 && i == 1 ? 0.5f : -1f, 1f);
            }
            sources[^1] = tt.New(GgmlType.F32, S * S * H, Seqs);
            TestTensors.FillRandom(sources[^1], rng);
            Tensor dst = tt.Node(op, GgmlType.F32, [S * H, T + S * Seqs], sources);
            dst.Params[0] = BitConverter.SingleToInt32Bits(0.5f);

            TestGraph.Run(threads, dst);

            float[][] values = [.. sources.Select(TestTensors.Read)];
            double[] state = [.. values[^1].Select(v => (double)v)];
            var output = new double[S * H * T];
            for (int token = 0; token < T; token++)
            {
                step(values, state, output, token, token / (T / Seqs) * S * S * H);
            }
            float[] actual = TestTensors.Read(dst);
            for (int i = 0; i < output.Length; i++)
            {
                Assert.Equal(output[i], actual[i], 1e-4);
            }
            for (int i = 0; i < state.Length; i++)
            {
                Assert.Equal(state[i], actual[output.Length + i], 1e-4);
            }
        }
    }
}
