using RpcWorker.Client;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;
using RpcWorker.Protocol;

namespace RpcWorker.Bench;

/// <summary>One remote buffer holding every tensor of a <see cref="WireGraph"/>, with helpers to upload data into it.</summary>
internal sealed class RemoteArena : IAsyncDisposable
{
    private readonly RpcClient _client;

    private RemoteArena(RpcClient client, ulong buffer, ulong baseAddress)
    {
        _client = client;
        Buffer = buffer;
        BaseAddress = baseAddress;
    }

    public ulong Buffer { get; }

    public ulong BaseAddress { get; }

    public static async Task<RemoteArena> AllocateAsync(RpcClient client, long size, CancellationToken ct)
    {
        RpcBufferInfo info = await client.AllocBufferAsync(0, (ulong)Math.Max(size, 1), ct);
        if (!info.IsAllocated)
        {
            throw new InvalidOperationException($"the worker refused a {size / (1 << 20)} MiB buffer");
        }
        ulong baseAddress = await client.BufferGetBaseAsync(info.RemotePtr, ct);
        return new RemoteArena(client, info.RemotePtr, baseAddress);
    }

    /// <summary>Uploads uniform random values in [lo, hi), converted to the tensor's type (quantized where it is quantized).</summary>
    public Task UploadRandomAsync(WireTensor t, Random rng, float lo, float hi, CancellationToken ct)
    {
        var values = new float[t.NElements];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = lo + (float)rng.NextDouble() * (hi - lo);
        }
        return UploadAsync(t, values, ct);
    }

    /// <summary>Uploads floats converted to the tensor's type (the tensor must be contiguous).</summary>
    public unsafe Task UploadAsync(WireTensor t, float[] values, CancellationToken ct)
    {
        var bytes = new byte[t.NBytes];
        fixed (float* src = values)
        fixed (byte* dst = bytes)
        {
            RowFormats.Get(t.Type).FromFloat(src, dst, values.Length);
        }
        return UploadBytesAsync(t, bytes, ct);
    }

    /// <summary>Uploads raw bytes (indices, masks).</summary>
    public Task UploadBytesAsync(WireTensor t, byte[] bytes, CancellationToken ct) =>
        _client.SetTensorAsync(WireGraph.ToWire(t, Buffer, BaseAddress), 0, bytes, ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.FreeBufferAsync(Buffer);
        }
        catch (Exception ex) when (ex is RpcConnectionClosedException or RpcProtocolException or IOException)
        {
            // The connection is gone; the worker frees the session's buffers itself.
        }
    }

    /// <summary>The wire tensor of <paramref name="t"/> in this arena.</summary>
    public RpcTensor Wire(WireTensor t) => WireGraph.ToWire(t, Buffer, BaseAddress);

    /// <summary>Runs the graph once with GRAPH_COMPUTE and waits for it (a synchronous command follows it in order).</summary>
    public async Task ComputeAsync(WireGraph graph, CancellationToken ct)
    {
        (List<ulong> nodeIds, List<RpcTensor> tensors) = graph.Serialize(Buffer, BaseAddress);
        await _client.GraphComputeAsync(0, nodeIds, tensors, ct);
        await _client.GetAlignmentAsync(0, ct);
    }

    /// <summary>Re-runs the stored graph with GRAPH_RECOMPUTE and waits for it.</summary>
    public async Task RecomputeAsync(CancellationToken ct)
    {
        await _client.GraphRecomputeAsync(0, ct);
        await _client.GetAlignmentAsync(0, ct);
    }

    public static ulong TypeBytes(GgmlType type, long elements) => (ulong)TypeTraits.RowSize(type, elements);
}
