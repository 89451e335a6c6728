using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Compute;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server;

namespace RpcWorker.Benchmarks.Server;

/// <summary>
/// The per-request cost of GRAPH_COMPUTE outside the kernels: parsing, validating and building the graph, planning it and
/// running it on the team, through the real <see cref="RpcSession"/> embedded over in-memory pipes
/// (<see cref="EmbeddedSession"/>). The graph has a decode-sized tensor count (<see cref="Layers"/> × 8 nodes plus their
/// weights, about 1,400 tensors at 128 layers) over tiny 32-float rows, so the kernels cost little and the bookkeeping shows. One operation = one GRAPH_COMPUTE
/// fenced by a GET_ALIGNMENT round trip; Allocated is what a client's every decode token costs the worker's GC.
/// </summary>
[MemoryDiagnoser]
public class GraphComputeBenchmarks
{
    private const int Width = 32;
    private const int RowBytes = Width * sizeof(float);
    private EmbeddedSession _session = null!;
    private byte[] _payload = null!;

    [Params(128)]
    public int Layers { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _session = new EmbeddedSession(Threads, memoryMiB: 64);

        FrameWriter.WriteRequest(_session.Requests, RpcCommand.Hello, new Hello.Request(default));
        await _session.ExchangeAsync(4 + ProtocolLimits.ConnCapsSize);
        var tensors = new List<RpcTensor>();
        var nodes = new List<ulong>();
        ulong bufferBytes = (ulong)(Layers * 12 + 4) * (Width * RowBytes);
        FrameWriter.WriteRequest(_session.Requests, RpcCommand.AllocBuffer, new AllocBuffer.Request(0, bufferBytes));
        ulong handle = await _session.ExchangeAsync(16);
        FrameWriter.WriteRequest(_session.Requests, RpcCommand.BufferGetBase, new BufferRequest(handle));
        ulong next = await _session.ExchangeAsync(8);
        RpcTensor Add(GgmlOp op, uint rows, params ulong[] sources)
        {
            float param = op == GgmlOp.RmsNorm ? 1e-5f : 1f;
            var t = new RpcTensor { Id = (ulong)tensors.Count + 1, Type = (uint)GgmlType.F32, Buffer = handle, Data = next, Op = (uint)op };
            t.Ne[0] = Width;
            t.Ne[1] = rows;
            t.Ne[2] = t.Ne[3] = 1;
            t.Nb[0] = sizeof(float);
            t.Nb[1] = RowBytes;
            t.Nb[2] = t.Nb[3] = RowBytes * rows;
            for (int i = 0; i < sources.Length; i++)
            {
                t.Src[i] = sources[i];
            }
            t.OpParams[0] = BitConverter.SingleToInt32Bits(param);
            if (op != GgmlOp.None)
            {
                t.Flags = TensorFlags.Compute;
                nodes.Add(t.Id);
            }
            "blk.0.ffn_gate.weight"u8.CopyTo(t.Name);
            next += (ulong)RowBytes * rows;
            tensors.Add(t);
            return t;
        }
        ulong x = Add(GgmlOp.None, 1).Id;
        for (int layer = 0; layer < Layers; layer++)
        {
            ulong norm = Add(GgmlOp.RmsNorm, 1, x).Id;
            ulong scaled = Add(GgmlOp.Mul, 1, norm, Add(GgmlOp.None, 1).Id).Id;
            ulong up = Add(GgmlOp.MulMat, 1, Add(GgmlOp.None, Width).Id, scaled).Id;
            ulong gate = Add(GgmlOp.MulMat, 1, Add(GgmlOp.None, Width).Id, scaled).Id;
            ulong act = Add(GgmlOp.Mul, 1, up, gate).Id;
            ulong down = Add(GgmlOp.MulMat, 1, Add(GgmlOp.None, Width).Id, act).Id;
            ulong sum = Add(GgmlOp.Add, 1, x, down).Id;
            x = Add(GgmlOp.Scale, 1, sum).Id;
        }
        _payload = new byte[(int)GraphCompute.PayloadSize((ulong)nodes.Count, (ulong)tensors.Count)!.Value];
        GraphCompute.Write(_payload, 0, [.. nodes], [.. tensors]);
    }

    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ulong> Compute()
    {
        FrameWriter.WriteRequestHeader(_session.Requests, RpcCommand.GraphCompute, (ulong)_payload.Length);
        FrameWriter.WriteBytes(_session.Requests, _payload);
        FrameWriter.WriteRequest(_session.Requests, RpcCommand.GetAlignment, new DeviceRequest(0));
        return await _session.ExchangeAsync(8);
    }

    [GlobalCleanup]
    public ValueTask Cleanup() => _session.DisposeAsync();
}
