using System.Buffers.Binary;
using RpcWorker.Compute;
using RpcWorker.Compute.Execution;
using RpcWorker.Conformance.Transcripts;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests;

/// <summary>
/// Replays the data path of a transcript straight into the compute engine, without a server: recorded buffers become
/// native buffers at the same offsets, SET_TENSOR/MEMSET_TENSOR/BUFFER_CLEAR write them, GRAPH_COMPUTE builds the graph
/// from the wire tensors and runs it on a <see cref="GraphExecutor"/>, and every GET_TENSOR is judged with
/// <see cref="TensorComparer"/>. It checks kernels against ggml-cpu's recorded results (op transcripts).
/// </summary>
internal sealed unsafe class KernelReplay : IDisposable
{
    private readonly MemoryBudget _budget = new(ulong.MaxValue);
    private readonly GraphExecutor _executor;
    private readonly Dictionary<ulong, ulong> _allocated = [];
    private readonly Dictionary<ulong, (ulong Base, NativeBuffer Buffer)> _byHandle = [];
    private readonly List<string> _failures = [];

    public KernelReplay(int threads) => _executor = new GraphExecutor(threads, _budget);

    /// <summary>Number of GET_TENSOR replies that were judged.</summary>
    public int Compared { get; private set; }

    /// <summary>Replays one session; returns the failures (empty when every reply matched).</summary>
    public IReadOnlyList<string> Replay(TranscriptSession session, double? maxNmse)
    {
        _failures.Clear();
        foreach (TranscriptRecord record in session.Records)
        {
            byte[] req = record.Request;
            switch ((RpcCommand)record.Command)
            {
                case RpcCommand.AllocBuffer:
                    _allocated[BinaryPrimitives.ReadUInt64LittleEndian(record.Response)] = BinaryPrimitives.ReadUInt64LittleEndian(req.AsSpan(4));
                    break;
                case RpcCommand.BufferGetBase:
                    ulong handle = BinaryPrimitives.ReadUInt64LittleEndian(req);
                    NativeBuffer buffer = NativeBuffer.TryAllocate(_budget, Math.Max(_allocated[handle], 1))
                        ?? throw new OutOfMemoryException();
                    buffer.Fill(0);
                    _byHandle[handle] = (BinaryPrimitives.ReadUInt64LittleEndian(record.Response), buffer);
                    break;
                case RpcCommand.BufferClear:
                    if (_byHandle.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(req), out var cleared))
                    {
                        cleared.Buffer.Fill(req[8]);
                    }
                    break;
                case RpcCommand.SetTensor:
                    req.AsSpan(304).CopyTo(Span(RpcTensor.Read(req), BinaryPrimitives.ReadUInt64LittleEndian(req.AsSpan(296)), req.Length - 304));
                    break;
                case RpcCommand.MemsetTensor:
                    Span(RpcTensor.Read(req), BinaryPrimitives.ReadUInt64LittleEndian(req.AsSpan(296)),
                        (int)BinaryPrimitives.ReadUInt64LittleEndian(req.AsSpan(304))).Fill(req[312]);
                    break;
                case RpcCommand.GraphCompute:
                    Compute(req);
                    break;
                case RpcCommand.GetTensor:
                    Judge(record, maxNmse);
                    break;
            }
        }
        foreach ((_, NativeBuffer b) in _byHandle.Values)
        {
            b.Dispose();
        }
        _byHandle.Clear();
        _allocated.Clear();
        return [.. _failures];
    }

    private void Judge(TranscriptRecord record, double? maxNmse)
    {
        RpcTensor t = RpcTensor.Read(record.Request);
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(record.Request.AsSpan(296));
        int size = (int)BinaryPrimitives.ReadUInt64LittleEndian(record.Request.AsSpan(304));
        string? reason = TensorComparer.Compare(t.Type, record.Response, Span(t, offset, size), maxNmse, out _);
        Compared++;
        if (reason is not null)
        {
            _failures.Add($"record {record.Index} GET_TENSOR {WireTensor.Describe(t)}: {reason}");
        }
    }

    private void Compute(byte[] req)
    {
        (int first, int count) = WireTensor.GraphTensors(req);
        var wire = new Dictionary<ulong, RpcTensor>();
        for (int i = 0; i < count; i++)
        {
            RpcTensor t = RpcTensor.Read(req.AsSpan(first + i * RpcTensor.Size));
            wire[t.Id] = t;
        }
        var built = new Dictionary<ulong, Tensor>();
        var nodes = new List<Tensor?>();
        foreach (ulong id in WireTensor.GraphNodes(req))
        {
            nodes.Add(id == 0 ? null : Build(id, wire, built));
        }
        try
        {
            _executor.Execute(_executor.Plan(new ComputeGraph(nodes)));
        }
        catch (Exception ex) when (ex is UnsupportedOpException or ComputeException)
        {
            _failures.Add($"GRAPH_COMPUTE failed: {ex.Message}");
        }
    }

    private Tensor Build(ulong id, Dictionary<ulong, RpcTensor> wire, Dictionary<ulong, Tensor> built)
    {
        if (built.TryGetValue(id, out Tensor? existing))
        {
            return existing;
        }
        RpcTensor w = wire[id];
        var t = new Tensor { Type = (GgmlType)w.Type, Op = (GgmlOp)w.Op, Name = w.GetName(), Flags = w.Flags };
        for (int d = 0; d < Tensor.MaxDims; d++)
        {
            t.Ne[d] = w.Ne[d];
            t.Nb[d] = w.Nb[d];
        }
        for (int p = 0; p < Tensor.MaxOpParams; p++)
        {
            t.Params[p] = w.OpParams[p];
        }
        t.Data = w.Data == 0 ? 0 : (nint)Address(w.Buffer, w.Data);
        built[id] = t;
        for (int s = 0; s < RpcTensor.MaxSrc; s++)
        {
            if (w.Src[s] != 0)
            {
                t.Src[s] = Build(w.Src[s], wire, built);
            }
        }
        if (w.ViewSrc != 0)
        {
            t.ViewSrc = Build(w.ViewSrc, wire, built);
            t.ViewOffs = (long)w.ViewOffs;
        }
        return t;
    }

    private byte* Address(ulong handle, ulong data)
    {
        (ulong recordedBase, NativeBuffer buffer) = _byHandle[handle];
        ulong offset = data - recordedBase;
        if (data < recordedBase || offset > buffer.Size)
        {
            throw new ReplayException($"address 0x{data:x} lies outside its buffer");
        }
        return buffer.Pointer + offset;
    }

    private Span<byte> Span(in RpcTensor t, ulong offset, int size)
    {
        byte* p = Address(t.Buffer, t.Data + offset);
        (ulong recordedBase, NativeBuffer buffer) = _byHandle[t.Buffer];
        if (t.Data + offset - recordedBase + (ulong)size > buffer.Size)
        {
            throw new ReplayException("tensor range lies outside its buffer");
        }
        return new Span<byte>(p, size);
    }

    public void Dispose() => _executor.Dispose();
}
