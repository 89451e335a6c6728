using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server;

namespace RpcWorker.Benchmarks.Server;

/// <summary>
/// SET_TENSOR upload throughput through the real <see cref="RpcSession"/> and its handlers, embedded over an in-memory
/// <see cref="Pipe"/> pair (no sockets, no kernel copies; inline pipe schedulers, so the session runs on the client's
/// thread). The request pipe uses the socket transport's 4 MiB pause threshold and the client flushes every 64 KiB like
/// a receive loop would. One operation = one SET_TENSOR of <see cref="Size"/> bytes into a 16 MiB buffer followed by a
/// GET_ALIGNMENT round trip that fences it (SET_TENSOR has no reply). Bytes/s = Size / Mean.
/// </summary>
[MemoryDiagnoser]
public class SetTensorBenchmarks
{
    private const int BufferBytes = 16 << 20;
    private const int ChunkBytes = 64 << 10;
    private readonly CancellationTokenSource _stop = new();
    private ServerContext _context = null!;
    private Pipe _requests = null!;
    private Pipe _responses = null!;
    private Task _session = null!;
    private byte[] _data = null!;
    private byte[] _header = null!;

    [Params(64 << 10, 1 << 20, 16 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _context = new ServerContext(new ServerOptions { Threads = 1, MemoryMiB = 64 }, NullLoggerFactory.Instance);
        _requests = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 4 << 20,
            resumeWriterThreshold: 2 << 20,
            minimumSegmentSize: ChunkBytes,
            useSynchronizationContext: false));
        _responses = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            useSynchronizationContext: false));
        var session = new RpcSession(1, _context, _requests.Reader, _responses.Writer);
        _session = session.RunAsync(_stop.Token);

        FrameWriter.WriteRequest(_requests.Writer, RpcCommand.Hello, new Hello.Request(default));
        await ExchangeAsync(4 + ProtocolLimits.ConnCapsSize);
        FrameWriter.WriteRequest(_requests.Writer, RpcCommand.AllocBuffer, new AllocBuffer.Request(0, BufferBytes));
        ulong handle = await ExchangeAsync(16);
        FrameWriter.WriteRequest(_requests.Writer, RpcCommand.BufferGetBase, new BufferRequest(handle));
        ulong baseAddress = await ExchangeAsync(8);

        var tensor = new RpcTensor { Id = 1, Type = 0, Buffer = handle, Data = baseAddress };
        tensor.Ne[0] = (uint)(Size / sizeof(float));
        tensor.Nb[0] = sizeof(float);
        for (int i = 1; i < RpcTensor.MaxDims; i++)
        {
            tensor.Ne[i] = 1;
            tensor.Nb[i] = (uint)Size;
        }
        var header = new ArrayBufferWriter<byte>();
        FrameWriter.WriteRequestHeader(header, RpcCommand.SetTensor, (ulong)(SetTensor.Header.WireSize + Size));
        new SetTensor.Header(tensor, 0).Write(header.GetSpan(SetTensor.Header.WireSize));
        header.Advance(SetTensor.Header.WireSize);
        _header = header.WrittenSpan.ToArray();
        _data = new byte[Size];
        new Random(1).NextBytes(_data);
    }

    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ulong> Upload()
    {
        PipeWriter writer = _requests.Writer;
        FrameWriter.WriteBytes(writer, _header);
        for (int at = 0; at < _data.Length; at += ChunkBytes)
        {
            FrameWriter.WriteBytes(writer, _data.AsSpan(at, Math.Min(ChunkBytes, _data.Length - at)));
            await FlushAsync();
        }
        FrameWriter.WriteRequest(writer, RpcCommand.GetAlignment, new DeviceRequest(0));
        return await ExchangeAsync(8);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _requests.Writer.CompleteAsync();
        await _session;
        await _responses.Reader.CompleteAsync();
        _stop.Dispose();
        _context.Dispose();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync()
    {
        FlushResult flush = await _requests.Writer.FlushAsync();
        if (flush.IsCompleted)
        {
            throw new InvalidOperationException("the session closed the connection");
        }
    }

    /// <summary>
    /// Flushes the pending request and reads its response, which must carry <paramref name="size"/> bytes; returns the
    /// response's first u64.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ulong> ExchangeAsync(int size)
    {
        await FlushAsync();
        PipeReader reader = _responses.Reader;
        int total = ProtocolLimits.ResponseHeaderSize + size;
        ReadResult result = await reader.ReadAsync();
        while (result.Buffer.Length < total && !result.IsCompleted)
        {
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await reader.ReadAsync();
        }
        if (result.Buffer.Length < total)
        {
            throw new InvalidOperationException("the session ended before answering");
        }
        ReadOnlySequence<byte> frame = result.Buffer.Slice(0, total);
        ulong value = ReadResponse(frame, size);
        reader.AdvanceTo(frame.End);
        return value;
    }

    private static ulong ReadResponse(in ReadOnlySequence<byte> frame, int size)
    {
        Span<byte> bytes = stackalloc byte[ProtocolLimits.ResponseHeaderSize + sizeof(ulong)];
        frame.Slice(0, bytes.Length).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes) == (ulong)size
            ? BinaryPrimitives.ReadUInt64LittleEndian(bytes[ProtocolLimits.ResponseHeaderSize..])
            : throw new InvalidOperationException("unexpected response size");
    }
}
