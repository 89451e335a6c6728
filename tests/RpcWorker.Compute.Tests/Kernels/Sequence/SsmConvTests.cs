namespace RpcWorker.Compute.Tests.Kernels.Sequence;

public class SsmConvTests
{
    [Theory]
    [InlineData(4, 1, 8, 1)]
    [InlineData(4, 5, 13, 3)]
    [InlineData(3, 7, 1, 2)]
    public void SsmConv_MatchesSlidingDotProduct(int dConv, int nT, int dInner, int nS)
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using var tt = new TestTensors();
            var rng = new Random(dConv * 7 + nT);
            Tensor sx = tt.New(GgmlType.F32, dConv - 1 + nT, dInner, nS);
            Tensor c = tt.New(GgmlType.F32, dConv, dInner);
            TestTensors.FillRandom(sx, rng);
            TestTensors.FillRandom(c, rng);
            Tensor x = tt.Node(GgmlOp.SsmConv, GgmlType.F32, [dInner, nT, nS], sx, c);

            TestGraph.Run(threads, x);

            float[] xv = TestTensors.Read(x), sv = TestTensors.Read(sx), cv = TestTensors.Read(c);
            int ncs = dConv - 1 + nT;
            for (int s = 0; s < nS; s++)
            {
                for (int t = 0; t < nT; t++)
                {
                    for (int r = 0; r < dInner; r++)
                    {
                        double sum = 0;
                        for (int k = 0; k < dConv; k++)
                        {
                            sum += (double)sv[s * ncs * dInner + r * ncs + t + k] * cv[r * dConv + k];
                        }
                        Assert.Equal(sum, xv[s * nT * dInner + t * dInner + r], 1e-5);
                    }
                }
            }
        }
    }

    [Fact]
    public void Validate_RejectsOutputTooLongForInput()
    {
        using var tt = new TestTensors();
        Tensor sx = tt.New(GgmlType.F32, 6, 4, 1);
        Tensor c = tt.New(GgmlType.F32, 4, 4);
        Tensor x = tt.Node(GgmlOp.SsmConv, GgmlType.F32, [4, 5, 1], sx, c);
        Assert.NotNull(TestGraph.Rejection(x));
    }
}
