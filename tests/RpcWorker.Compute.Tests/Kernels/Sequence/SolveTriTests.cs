namespace RpcWorker.Compute.Tests.Kernels.Sequence;

public class SolveTriTests
{
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(5, 3, 2, 1)]
    [InlineData(17, 7, 3, 2)]
    public void SolveTri_SolutionSatisfiesSystem(int n, int k, int b2, int b3)
    {
        foreach (int threads in new[] { 1, 3 })
        {
            using var tt = new TestTensors();
            var rng = new Random(n * 31 + k);
            Tensor a = tt.New(GgmlType.F32, n, n, b2, b3);
            Tensor b = tt.New(GgmlType.F32, k, n, b2, b3);
            var av = new float[a.NElements];
            for (int m = 0; m < b2 * b3; m++)
            {
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j <= i; j++)
                    {
                        av[m * n * n + i * n + j] = i == j ? 1.5f + (float)rng.NextDouble() : (float)rng.NextDouble() - 0.5f;
                    }
                }
            }
            TestTensors.Write(a, av);
            TestTensors.FillRandom(b, rng);
            Tensor x = tt.Node(GgmlOp.SolveTri, GgmlType.F32, [k, n, b2, b3], a, b);

            TestGraph.Run(threads, x);

            float[] xv = TestTensors.Read(x), bv = TestTensors.Read(b);
            for (int m = 0; m < b2 * b3; m++)
            {
                for (int i = 0; i < n; i++)
                {
                    for (int col = 0; col < k; col++)
                    {
                        double sum = 0;
                        for (int t = 0; t <= i; t++)
                        {
                            sum += (double)av[m * n * n + i * n + t] * xv[m * n * k + t * k + col];
                        }
                        Assert.Equal(bv[m * n * k + i * k + col], sum, 1e-4);
                    }
                }
            }
        }
    }

    [Fact]
    public void Validate_RejectsNonSquareA()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 4, 3);
        Tensor b = tt.New(GgmlType.F32, 2, 3);
        Tensor x = tt.Node(GgmlOp.SolveTri, GgmlType.F32, [2, 3], a, b);
        Assert.NotNull(TestGraph.Rejection(x));
    }
}
