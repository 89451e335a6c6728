using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Tests.Execution;

/// <summary>
/// The steady state of graph execution allocates nothing: once a plan has run, replanning it in place and running it
/// again cost no managed allocation on the calling thread (a one-thread team runs every kernel there). The nodes are the
/// ops of a llama decode or prefill step: norms, products over float and quantized weights, RoPE, softmax, flash
/// attention, row gathers and cache writes.
/// </summary>
public class GraphExecutorAllocationTests
{
    public static TheoryData<string> Cases() => [.. s_cases.Keys];

    private static readonly Dictionary<string, Func<TestTensors, Tensor>> s_cases = new()
    {
        ["rms_norm"] = t => WithFloat(t.Node(GgmlOp.RmsNorm, GgmlType.F32, [64, 3], Random(t, GgmlType.F32, 64, 3)), 0, 1e-5f),
        ["mul"] = t => t.Node(GgmlOp.Mul, GgmlType.F32, [64, 3], Random(t, GgmlType.F32, 64, 3), Random(t, GgmlType.F32, 64)),
        ["add"] = t => t.Node(GgmlOp.Add, GgmlType.F32, [64, 3], Random(t, GgmlType.F32, 64, 3), Random(t, GgmlType.F32, 64, 3)),
        ["scale"] = t => WithFloat(t.Node(GgmlOp.Scale, GgmlType.F32, [64, 3], Random(t, GgmlType.F32, 64, 3)), 0, 0.5f),
        ["soft_max"] = t => WithFloat(t.Node(GgmlOp.SoftMax, GgmlType.F32, [64, 3], Random(t, GgmlType.F32, 64, 3), Random(t, GgmlType.F32, 64, 3)), 0, 1f),
        ["rope"] = Rope,
        ["get_rows q4_0"] = t => t.Node(GgmlOp.GetRows, GgmlType.F32, [256, 2], Random(t, GgmlType.Q4_0, 256, 8), Indices(t, 2)),
        ["set_rows f16"] = t => t.Node(GgmlOp.SetRows, GgmlType.F16, [64, 8], Random(t, GgmlType.F32, 64, 2), Indices(t, 2)),
        ["flash_attn_ext"] = FlashAttention,
        ["mul_mat f32 x1"] = t => MulMat(t, GgmlType.F32, 1),
        ["mul_mat f16 x1"] = t => MulMat(t, GgmlType.F16, 1),
        ["mul_mat f16 x24"] = t => MulMat(t, GgmlType.F16, 24),
        ["mul_mat bf16 x24"] = t => MulMat(t, GgmlType.BF16, 24),
        ["mul_mat q4_0 x1"] = t => MulMat(t, GgmlType.Q4_0, 1),
        ["mul_mat q4_0 x24"] = t => MulMat(t, GgmlType.Q4_0, 24),
        ["mul_mat q8_0 x24"] = t => MulMat(t, GgmlType.Q8_0, 24),
        ["mul_mat q4_k x1"] = t => MulMat(t, GgmlType.Q4_K, 1),
        ["mul_mat q4_k x24"] = t => MulMat(t, GgmlType.Q4_K, 24),
        ["mul_mat q6_k x24"] = t => MulMat(t, GgmlType.Q6_K, 24),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReplanAndExecute_AllocateNothing(string name)
    {
        using var t = new TestTensors();
        Tensor node = s_cases[name](t);
        using var executor = new GraphExecutor(1, t.Budget);
        var graph = new ComputeGraph([node]);
        GraphPlan plan = executor.Plan(graph);
        Assert.Equal(1, plan.ComputeNodeCount);
        executor.Execute(plan);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            Assert.Same(plan, executor.Plan(graph, plan));
            executor.Execute(plan);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static Tensor MulMat(TestTensors t, GgmlType weights, int columns) =>
        t.Node(GgmlOp.MulMat, GgmlType.F32, [32, columns], Random(t, weights, 256, 32), Random(t, GgmlType.F32, 256, columns));

    private static Tensor Rope(TestTensors t)
    {
        Tensor positions = t.New(GgmlType.I32, 3);
        Tensor node = t.Node(GgmlOp.Rope, GgmlType.F32, [64, 2, 3], Random(t, GgmlType.F32, 64, 2, 3), positions);
        node.Params[1] = 64;
        node.Params[2] = 2;
        node.Params[5] = BitConverter.SingleToInt32Bits(10000f);
        node.Params[6] = BitConverter.SingleToInt32Bits(1f);
        return node;
    }

    private static Tensor FlashAttention(TestTensors t)
    {
        Tensor q = Random(t, GgmlType.F32, 64, 2, 4);
        Tensor k = Random(t, GgmlType.F16, 64, 32, 2);
        Tensor v = Random(t, GgmlType.F16, 64, 32, 2);
        Tensor node = t.Node(GgmlOp.FlashAttnExt, GgmlType.F32, [64, 4, 2], q, k, v);
        node.Params[0] = BitConverter.SingleToInt32Bits(0.125f);
        node.Params[3] = 10;
        return node;
    }

    private static Tensor WithFloat(Tensor node, int index, float value)
    {
        node.Params[index] = BitConverter.SingleToInt32Bits(value);
        return node;
    }

    private static Tensor Indices(TestTensors t, int count)
    {
        Tensor rows = t.New(GgmlType.I32, count);
        for (int i = 0; i < count; i++)
        {
            unsafe
            {
                ((int*)rows.Data)[i] = (i * 3) + 1;
            }
        }
        return rows;
    }

    /// <summary>A tensor of <paramref name="type"/> holding random values (quantized from floats where needed).</summary>
    private static unsafe Tensor Random(TestTensors t, GgmlType type, params long[] ne)
    {
        Tensor tensor = t.New(type, ne);
        var rng = new Random(7);
        if (type == GgmlType.F32)
        {
            TestTensors.FillRandom(tensor, rng);
            return tensor;
        }
        Tensor floats = t.New(GgmlType.F32, ne);
        TestTensors.FillRandom(floats, rng);
        RpcWorker.Compute.Formats.RowFormats.Get(type).FromFloat((float*)floats.Data, tensor.DataPtr, tensor.NElements);
        return tensor;
    }
}
