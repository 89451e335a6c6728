using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

public class MulMatIdKernelTests
{
    public static TheoryData<int, GgmlType> SimdAndWeights() => MulMatKernelTests.SimdAndWeights();

    [Theory]
    [MemberData(nameof(SimdAndWeights))]
    public void Compute_MatchesScalarReference(int simd, GgmlType weights)
    {
        var rng = new Random(31 + simd);
        (long k, long m, int nAs, int nIds, long ne11, int tokens, int threads)[] cases =
        [
            (16, 8, 4, 2, 2, 1, 1),
            (33, 5, 4, 2, 1, 3, 2),
            (64, 13, 8, 4, 4, 9, 3),
            (17, 4, 3, 3, 1, 7, 2),
            (100, 70, 6, 2, 2, 40, 2),
            (7, 1, 2, 1, 1, 5, 3),
        ];
        foreach (var c in cases)
        {
            Check((SimdLevel)simd, weights, c.k, c.m, c.nAs, c.nIds, c.ne11, c.tokens, c.threads, rng);
        }
    }

    [Fact]
    public void Compute_IdOutOfRange_Throws()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 8, 4, 3);
        Tensor b = tt.New(GgmlType.F32, 8, 1, 2);
        Tensor ids = tt.New(GgmlType.I32, 2, 2);
        WriteIds(ids, [0, 1, 2, 3]);
        Tensor node = tt.Node(GgmlOp.MulMatId, GgmlType.F32, [4, 2, 2], a, b, ids);
        Assert.Throws<ComputeException>(() => KernelRunner.Run(new MulMatIdKernel(), node, 2));
        WriteIds(ids, [0, -1, 2, 1]);
        Assert.Throws<ComputeException>(() => KernelRunner.Run(new MulMatIdKernel(), node, 1));
    }

    [Fact]
    public void Validate_RejectsMismatchedIds()
    {
        using var tt = new TestTensors();
        var kernel = new MulMatIdKernel();
        Tensor a = tt.New(GgmlType.F32, 8, 4, 3);
        Tensor b = tt.New(GgmlType.F32, 8, 1, 2);
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMatId, GgmlType.F32, [4, 2, 3], a, b, tt.New(GgmlType.I32, 2, 3))));
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMatId, GgmlType.F32, [4, 2, 2], a, b, tt.New(GgmlType.F32, 2, 2))));
        Assert.NotNull(kernel.Validate(tt.Node(GgmlOp.MulMatId, GgmlType.F32, [4, 3, 2], a, tt.New(GgmlType.F32, 8, 2, 2), tt.New(GgmlType.I32, 3, 2))));
        Assert.Null(kernel.Validate(tt.Node(GgmlOp.MulMatId, GgmlType.F32, [4, 2, 2], a, b, tt.New(GgmlType.I32, 2, 2))));
    }

    private static unsafe void WriteIds(Tensor ids, int[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            ((int*)ids.DataPtr)[i] = values[i];
        }
    }

    private static void Check(SimdLevel simd, GgmlType weights, long k, long m, int nAs, int nIds, long ne11, int tokens, int threads, Random rng)
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(weights, k, m, nAs);
        TestTensors.FillRandom(a, rng);
        Tensor b = tt.New(GgmlType.F32, k, ne11, tokens);
        TestTensors.FillRandom(b, rng);
        Tensor ids = tt.New(GgmlType.I32, nIds, tokens);
        var idv = new int[nIds * tokens];
        for (int t = 0; t < tokens; t++)
        {
            int[] perm = Enumerable.Range(0, nAs).OrderBy(_ => rng.Next()).ToArray();
            for (int s = 0; s < nIds; s++)
            {
                idv[(t * nIds) + s] = perm[s % nAs];
            }
        }
        WriteIds(ids, idv);
        Tensor node = tt.Node(GgmlOp.MulMatId, GgmlType.F32, [m, nIds, tokens], a, b, ids);
        KernelRunner.Run(new MulMatIdKernel(simd), node, threads);
        float[] got = TestTensors.Read(node);
        for (int t = 0; t < tokens; t++)
        {
            for (int s = 0; s < nIds; s++)
            {
                int e = idv[(t * nIds) + s];
                for (long i0 = 0; i0 < m; i0++)
                {
                    double sum = 0;
                    double mag = 0;
                    for (long i = 0; i < k; i++)
                    {
                        double w = Reference.Get(a, i, i0, e, 0);
                        double x = Reference.Activation(weights, Reference.Get(b, i, s % ne11, t, 0));
                        sum += w * x;
                        mag += Math.Abs(w * x);
                    }
                    Reference.AssertClose(sum, mag, got[i0 + (m * (s + (nIds * t)))], $"{simd} {weights} k={k} m={m} experts={nAs} at [{i0},{s},{t}]");
                }
            }
        }
    }
}
