using RpcWorker.Compute;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests;

public class GraphRequirementsTests
{
    [Fact]
    public void Collect_OpWithoutKernel_IsReported()
    {
        RpcTensor leaf = Requests.Tensor(1);
        RpcTensor node = Requests.Tensor(2, op: (uint)GgmlOp.MapCustom1, name: "custom");
        node.Src[0] = 1;
        var missing = new SortedSet<string>();

        GraphRequirements.Collect(Requests.Graph(0, [2], leaf, node), missing);

        Assert.Equal("needs op MapCustom1 with types f32 -> f32 (no kernel)", Assert.Single(missing));
    }

    [Fact]
    public void Collect_UnaryWithoutKernel_NamesTheSubOp()
    {
        RpcTensor node = Requests.Tensor(2, op: (uint)GgmlOp.Unary);
        node.OpParams[0] = 99;
        var missing = new SortedSet<string>();
        GraphRequirements.Collect(Requests.Graph(0, [2], node), missing);
        Assert.StartsWith("needs op UNARY(99)", Assert.Single(missing));
    }

    [Fact]
    public void Collect_ViewsAndLeaves_NeedNothing()
    {
        RpcTensor leaf = Requests.Tensor(1);
        RpcTensor view = Requests.Tensor(2, op: (uint)GgmlOp.View);
        view.ViewSrc = 1;
        view.Src[0] = 1;
        var missing = new SortedSet<string>();
        GraphRequirements.Collect(Requests.Graph(0, [1, 2, 0], leaf, view), missing);
        Assert.Empty(missing);
    }

    [Fact]
    public void Collect_EmptyNode_NeedsNoKernel()
    {
        RpcTensor node = Requests.Tensor(2, op: (uint)GgmlOp.MapCustom1);
        node.Ne[3] = 0;
        var missing = new SortedSet<string>();
        GraphRequirements.Collect(Requests.Graph(0, [2], node), missing);
        Assert.Empty(missing);
    }

    [Fact]
    public void Collect_RemovedTypeId_IsReported()
    {
        RpcTensor node = Requests.Tensor(2, type: 4);
        var missing = new SortedSet<string>();
        GraphRequirements.Collect(Requests.Graph(0, [2], node), missing);
        Assert.Equal("needs type id 4", Assert.Single(missing));
    }

    [Fact]
    public void Collect_NodeIdMissingFromTensors_IsIgnored()
    {
        var missing = new SortedSet<string>();
        GraphRequirements.Collect(Requests.Graph(0, [7]), missing);
        Assert.Empty(missing);
    }
}
