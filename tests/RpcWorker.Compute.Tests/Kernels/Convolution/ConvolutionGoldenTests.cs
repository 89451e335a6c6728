namespace RpcWorker.Compute.Tests.Kernels.Convolution;

/// <summary>The convolution family against nodes recorded from real ggml-cpu (tbo-&lt;OP&gt;.rpct sessions).</summary>
public class ConvolutionGoldenTests
{
    private static readonly Lazy<List<RecordedNodeCase>> s_cases = new(() =>
        RecordedNodeCase.Load(Path.Combine(AppContext.BaseDirectory, "Kernels", "Convolution", "Data", "conv-golden.bin")));

    public static TheoryData<GgmlOp> Ops => new(s_cases.Value.Select(c => c.Op).Distinct());

    [Fact]
    public void GoldenData_CoversTheFamily()
    {
        GgmlOp[] family =
        [
            GgmlOp.Im2Col, GgmlOp.Col2Im1D, GgmlOp.ConvTranspose1D, GgmlOp.ConvTranspose2D, GgmlOp.Conv2D,
            GgmlOp.Conv2DDw, GgmlOp.Conv3D, GgmlOp.Pool1D, GgmlOp.Pool2D,
        ];
        Assert.All(family, op => Assert.Contains(s_cases.Value, c => c.Op == op));
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void RecordedNodes_MatchGgmlWithinFileTolerance(GgmlOp op)
    {
        foreach (RecordedNodeCase c in s_cases.Value.Where(c => c.Op == op))
        {
            foreach (int threads in new[] { 1, 3 })
            {
                double nmse = c.Run(threads);
                Assert.True(nmse <= c.Tolerance, $"{c.Label} ({threads} threads): NMSE {nmse} > {c.Tolerance}");
            }
        }
    }
}
