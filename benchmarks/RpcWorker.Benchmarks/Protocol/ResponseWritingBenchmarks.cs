using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Benchmarks.Protocol;

/// <summary>
/// <see cref="FrameWriter"/> writing 1024 responses (HELLO, GET_ALIGNMENT's u64, ALLOC_BUFFER, an empty response in
/// rotation) straight into a <see cref="PipeWriter"/> like a session does, then one flush and the reader draining the
/// pipe. Time is per response (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class ResponseWritingBenchmarks
{
    private const int Responses = 1024;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 64 << 10, useSynchronizationContext: false));
    private readonly Hello.Response _hello = new(new ProtocolVersion(5, 1, 0), default);

    [Benchmark(OperationsPerInvoke = Responses)]
    public long WriteResponses()
    {
        PipeWriter writer = _pipe.Writer;
        for (int i = 0; i < Responses; i++)
        {
            switch (i & 3)
            {
                case 0:
                    FrameWriter.WriteResponse(writer, _hello);
                    break;
                case 1:
                    FrameWriter.WriteResponse(writer, new U64Response(32));
                    break;
                case 2:
                    FrameWriter.WriteResponse(writer, new AllocBuffer.Response(0x1000, (ulong)i));
                    break;
                default:
                    FrameWriter.WriteEmptyResponse(writer);
                    break;
            }
        }
        ValueTask<FlushResult> flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("an unthrottled pipe flushed asynchronously");
        }
        if (!_pipe.Reader.TryRead(out ReadResult result))
        {
            throw new InvalidOperationException("nothing was written");
        }
        long written = result.Buffer.Length;
        _pipe.Reader.AdvanceTo(result.Buffer.End);
        return written;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pipe.Writer.Complete();
        _pipe.Reader.Complete();
    }
}
