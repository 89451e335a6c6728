using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels.MatMul;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

public class AddIdKernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public unsafe void Compute_AddsTheSelectedBiasRow(int threads)
    {
        var rng = new Random(8);
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 37, 3, 5);
        Tensor bias = tt.New(GgmlType.F32, 37, 4);
        Tensor ids = tt.New(GgmlType.I32, 3, 5);
        TestTensors.FillRandom(a, rng);
        TestTensors.FillRandom(bias, rng);
        for (int i = 0; i < 15; i++)
        {
            ((int*)ids.DataPtr)[i] = rng.Next(4);
        }
        Tensor node = tt.Node(GgmlOp.AddId, GgmlType.F32, [37, 3, 5], a, bias, ids);
        KernelRunner.Run(new AddIdKernel(), node, threads);
        float[] got = TestTensors.Read(node);
        for (long i2 = 0; i2 < 5; i2++)
        {
            for (long i1 = 0; i1 < 3; i1++)
            {
                int id = ((int*)ids.DataPtr)[i1 + (3 * i2)];
                for (long i0 = 0; i0 < 37; i0++)
                {
                    float expected = Reference.Get(a, i0, i1, i2, 0) + Reference.Get(bias, i0, id, 0, 0);
                    Assert.Equal(expected, got[i0 + (37 * (i1 + (3 * i2)))]);
                }
            }
        }
    }

    [Fact]
    public unsafe void Compute_IdOutOfRange_Throws()
    {
        using var tt = new TestTensors();
        Tensor a = tt.New(GgmlType.F32, 4, 2, 1);
        Tensor bias = tt.New(GgmlType.F32, 4, 2);
        Tensor ids = tt.New(GgmlType.I32, 2, 1);
        ((int*)ids.DataPtr)[1] = 2;
        Tensor node = tt.Node(GgmlOp.AddId, GgmlType.F32, [4, 2, 1], a, bias, ids);
        Assert.Throws<ComputeException>(() => KernelRunner.Run(new AddIdKernel(), node, 2));
    }
}
