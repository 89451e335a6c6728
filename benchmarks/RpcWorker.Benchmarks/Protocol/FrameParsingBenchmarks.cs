using System.Buffers;
using BenchmarkDotNet.Attributes;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Benchmarks.Protocol;

/// <summary>
/// <see cref="FrameReader.TryReadFrame"/> over a buffer of 1024 small request frames, as a session sees a pipelined burst:
/// HELLO, GET_ALIGNMENT, GET_ALLOC_SIZE (4+296·11 bytes) and GRAPH_COMPUTE (one node, one tensor) in rotation.
/// SegmentBytes 0 is one contiguous segment; 4096 is a pipe-like segmentation; 61 makes most headers straddle two
/// segments (the slow copy path). Time is per frame (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class FrameParsingBenchmarks
{
    private const int Frames = 1024;
    private readonly FrameReader _reader = new(FrameLimits.Default);
    private ReadOnlySequence<byte> _sequence;

    [Params(0, 4096, 61)]
    public int SegmentBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var writer = new ArrayBufferWriter<byte>();
        var tensor = new RpcTensor { Id = 1, Type = 0, Buffer = 0x1000, Data = 0x1000 };
        for (int i = 0; i < 4; i++)
        {
            tensor.Ne[i] = 1;
        }
        byte[] graph = new byte[(int)GraphCompute.PayloadSize(1, 1)!.Value];
        GraphCompute.Write(graph, 0, [1UL], [tensor]);
        for (int i = 0; i < Frames; i++)
        {
            switch (i % 4)
            {
                case 0:
                    FrameWriter.WriteRequest(writer, RpcCommand.Hello, new Hello.Request(default));
                    break;
                case 1:
                    FrameWriter.WriteRequest(writer, RpcCommand.GetAlignment, new DeviceRequest(0));
                    break;
                case 2:
                    FrameWriter.WriteRequest(writer, RpcCommand.GetAllocSize, new GetAllocSize.Request { Tensor = tensor });
                    break;
                default:
                    FrameWriter.WriteRequestHeader(writer, RpcCommand.GraphCompute, (ulong)graph.Length);
                    FrameWriter.WriteBytes(writer, graph);
                    break;
            }
        }
        byte[] bytes = writer.WrittenSpan.ToArray();
        _sequence = SegmentBytes == 0 ? new ReadOnlySequence<byte>(bytes) : ChunkSegment.Split(bytes, SegmentBytes);
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public ulong ReadFrames()
    {
        ReadOnlySequence<byte> buffer = _sequence;
        ulong payloadBytes = 0;
        while (_reader.TryReadFrame(buffer, out RequestHeader header, out ReadOnlySequence<byte> payload, out SequencePosition consumed, out _)
            == FrameReadStatus.Ok)
        {
            payloadBytes += header.PayloadSize + (ulong)payload.FirstSpan.Length;
            buffer = buffer.Slice(consumed);
        }
        return buffer.IsEmpty ? payloadBytes : throw new InvalidOperationException("a frame did not parse");
    }
}
