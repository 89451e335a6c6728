using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests.Graphs;

public class GraphComputeTests
{
    private static async Task<(RpcServer Server, RawClient Client, ulong Handle, ulong Base)> SetUpAsync(CapturingLoggerFactory? logs = null)
    {
        RpcServer server = await TestServer.StartAsync(loggerFactory: logs);
        RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(4096);
        return (server, client, handle, baseAddress);
    }

    [Fact]
    public async Task NoOpGraph_RunsWithoutReplyAndCanBeRecomputed()
    {
        (RpcServer server, RawClient client, ulong h, ulong b) = await SetUpAsync();
        await using (server)
        await using (client)
        {
            RpcTensor leaf = Tensors.F32(1, h, b, 16);
            RpcTensor view = Tensors.F32(2, h, b + 16, 8).WithOp(GraphPayloads.OpView);
            view.ViewSrc = 1;
            view.ViewOffs = 16;
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([2, 0, 1], [leaf, view]));
            await client.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0));
            await client.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0));
            await client.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task AddGraph_ComputesAndRecomputesWithNewInputs()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.Threads = 2);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(4096);
        const int n = 37;
        RpcTensor x = Tensors.F32(1, h, b, n);
        RpcTensor y = Tensors.F32(2, h, b + 256, n);
        RpcTensor sum = Tensors.F32(3, h, b + 512, n).WithOp((uint)RpcWorker.Compute.GgmlOp.Add, 1, 2);
        float[] xs = [.. Enumerable.Range(0, n).Select(i => i * 0.5f)];
        float[] ys = [.. Enumerable.Range(0, n).Select(i => 100f - i)];
        await client.SetTensorAsync(x, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(xs.AsSpan()));
        await client.SetTensorAsync(y, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ys.AsSpan()));

        await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([3], [x, y, sum]));
        float[] result = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(await client.GetTensorAsync(sum, 0, n * 4)).ToArray();
        Assert.Equal(xs.Zip(ys, (p, q) => p + q), result);

        await client.SetTensorAsync(x, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ys.AsSpan()));
        await client.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0));
        result = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(await client.GetTensorAsync(sum, 0, n * 4)).ToArray();
        Assert.Equal(ys.Select(q => q + q), result);
    }

    [Fact]
    public async Task GraphsOfOneSession_RebuildTheirTensorsWithoutStaleLinks()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.Threads = 2);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(4096);
        const int n = 19;
        RpcTensor x = Tensors.F32(1, h, b, n);
        RpcTensor y = Tensors.F32(2, h, b + 256, n);
        RpcTensor view = Tensors.F32(3, h, b + 256, n).WithOp(GraphPayloads.OpView);
        view.ViewSrc = 2;
        RpcTensor sum = Tensors.F32(4, h, b + 512, n).WithOp((uint)RpcWorker.Compute.GgmlOp.Add, 1, 3);
        // Id 3 becomes a product with no view source and other storage; the pooled tensor that held the view is reused.
        RpcTensor product = Tensors.F32(3, h, b + 768, n).WithOp((uint)RpcWorker.Compute.GgmlOp.Mul, 1, 2);
        float[] xs = [.. Enumerable.Range(0, n).Select(i => i + 1f)];
        float[] ys = [.. Enumerable.Range(0, n).Select(i => 2f - i)];
        await client.SetTensorAsync(x, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(xs.AsSpan()));
        await client.SetTensorAsync(y, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ys.AsSpan()));
        async Task<float[]> ReadAsync(RpcTensor t) =>
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(await client.GetTensorAsync(t, 0, n * 4)).ToArray();

        await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([3, 4], [x, y, view, sum]));
        Assert.Equal(xs.Zip(ys, (p, q) => p + q), await ReadAsync(sum));

        await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([3], [x, y, product]));
        Assert.Equal(xs.Zip(ys, (p, q) => p * q), await ReadAsync(product));
        await client.SetTensorAsync(x, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(ys.AsSpan()));
        await client.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0));
        Assert.Equal(ys.Select(q => q * q), await ReadAsync(product));

        await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([3, 4], [x, y, view, sum]));
        Assert.Equal(ys.Select(q => q + q), await ReadAsync(sum));
        Assert.Equal(ys.Select(q => q * q), await ReadAsync(product));
    }

    [Fact]
    public async Task NodeWithoutComputeFlag_IsSkippedLikeGgmlCpu()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(4096);
        const int n = 8;
        RpcTensor x = Tensors.F32(1, h, b, n);
        RpcTensor computed = Tensors.F32(2, h, b + 256, n).WithOp((uint)RpcWorker.Compute.GgmlOp.Add, 1, 1);
        RpcTensor skipped = Tensors.F32(3, h, b + 512, n).WithOp((uint)RpcWorker.Compute.GgmlOp.Add, 1, 1);
        skipped.Flags &= ~RpcWorker.Compute.TensorFlags.Compute;
        float[] xs = [.. Enumerable.Range(1, n).Select(i => (float)i)];
        float[] marker = [.. Enumerable.Repeat(-7f, n)];
        await client.SetTensorAsync(x, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(xs.AsSpan()));
        await client.SetTensorAsync(skipped, 0, System.Runtime.InteropServices.MemoryMarshal.AsBytes(marker.AsSpan()));

        await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([2, 3], [x, computed, skipped]));
        float[] sum = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(await client.GetTensorAsync(computed, 0, n * 4)).ToArray();
        float[] untouched = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(await client.GetTensorAsync(skipped, 0, n * 4)).ToArray();
        Assert.Equal(xs.Select(v => v + v), sum);
        Assert.Equal(marker, untouched);
    }

    [Fact]
    public async Task EmptyGraph_IsAccepted()
    {
        (RpcServer server, RawClient client, _, _) = await SetUpAsync();
        await using (server)
        await using (client)
        {
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([], []));
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([0, 0], []));
            await client.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task OpWithoutKernel_LogsUnsupportedOpAndClosesOnlyThatSession()
    {
        var logs = new CapturingLoggerFactory();
        (RpcServer server, RawClient client, ulong h, ulong b) = await SetUpAsync(logs);
        await using (server)
        await using (client)
        {
            RpcTensor src = Tensors.F32(1, h, b, 16);
            RpcTensor node = Tensors.F32(2, h, b + 64, 16).WithOp(GraphPayloads.OpUnary, 1);
            node.OpParams[0] = 999;
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([2], [src, node]));
            await client.AssertClosedAsync();
            await server.AssertDrainedAsync();
            Assert.True(logs.Contains(Microsoft.Extensions.Logging.LogLevel.Warning, "unsupported op"));
            await server.AssertServesNewClientAsync();
        }
    }

    [Fact]
    public async Task Recompute_AfterFreeingAGraphBuffer_ClosesSession()
    {
        (RpcServer server, RawClient client, ulong h, ulong b) = await SetUpAsync();
        await using (server)
        await using (client)
        {
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([1], [Tensors.F32(1, h, b, 16)]));
            Assert.Empty(await client.RequestAsync(RpcCommand.FreeBuffer, new BufferRequest(h)));
            await client.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0));
            await client.AssertClosedAsync();
        }
    }

    [Fact]
    public async Task Recompute_AfterFreeingAnUnrelatedBuffer_StillRuns()
    {
        (RpcServer server, RawClient client, ulong h, ulong b) = await SetUpAsync();
        await using (server)
        await using (client)
        {
            (ulong other, _) = await client.AllocAsync(64);
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([1], [Tensors.F32(1, h, b, 16)]));
            Assert.Empty(await client.RequestAsync(RpcCommand.FreeBuffer, new BufferRequest(other)));
            await client.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0));
            await client.AssertAliveAsync();
        }
    }

    [Fact]
    public async Task DeepChain_IsBuiltWithoutRecursion()
    {
        (RpcServer server, RawClient client, ulong h, ulong b) = await SetUpAsync();
        await using (server)
        await using (client)
        {
            const int depth = 30_000;
            var tensors = new RpcTensor[depth];
            for (int i = 0; i < depth; i++)
            {
                tensors[i] = Tensors.F32((ulong)(i + 1), h, b, 4).WithOp(GraphPayloads.OpView);
                if (i > 0)
                {
                    tensors[i].ViewSrc = (ulong)i;
                }
            }
            await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([depth], tensors));
            await client.AssertAliveAsync();
        }
    }
}
