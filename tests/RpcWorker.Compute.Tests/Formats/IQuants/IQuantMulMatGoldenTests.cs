namespace RpcWorker.Compute.Tests.Formats.IQuants;

/// <summary>
/// MUL_MAT and MUL_MAT_ID nodes with IQ weights recorded from the IQ sessions of tbo-MUL_MAT / tbo-MUL_MAT_ID, run
/// through the planner, the matmul kernels and these row formats, judged by the file tolerance (NMSE 5e-4).
/// </summary>
public class IQuantMulMatGoldenTests
{
    private static readonly Lazy<List<RecordedNodeCase>> s_cases = new(() =>
        RecordedNodeCase.Load(Path.Combine(AppContext.BaseDirectory, "Formats", "IQuants", "Data", "iq-mulmat-golden.bin")));

    public static TheoryData<string> Labels => new(s_cases.Value.Select(c => c.Label));

    [Fact]
    public void GoldenData_HasMulMatAndMulMatIdNodes()
    {
        Assert.Contains(s_cases.Value, c => c.Op == GgmlOp.MulMat);
        Assert.Contains(s_cases.Value, c => c.Op == GgmlOp.MulMatId);
    }

    [Theory]
    [MemberData(nameof(Labels))]
    public void RecordedNode_MatchesGgmlWithinTolerance(string label)
    {
        RecordedNodeCase c = s_cases.Value.First(x => x.Label == label);
        foreach (int threads in new[] { 1, 2 })
        {
            double nmse = c.Run(threads);
            Assert.True(nmse <= c.Tolerance, $"{label} ({threads} threads): NMSE {nmse} > {c.Tolerance}");
        }
    }
}
