using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using RpcWorker.Protocol;
using RpcWorker.Server;

namespace RpcWorker.Benchmarks.Server;

/// <summary>
/// A real <see cref="RpcSession"/> over an in-memory <see cref="Pipe"/> pair (no sockets, no kernel copies; inline pipe
/// schedulers, so the session runs on the client's thread). The request pipe uses the socket transport's 64 KiB read
/// size, and a 4 MiB pause threshold holds the client back the way TCP backpressure holds a real one.
/// </summary>
internal sealed class EmbeddedSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ServerContext _context;
    private readonly Pipe _requests;
    private readonly Pipe _responses;
    private readonly Task _session;

    public EmbeddedSession(int threads, int memoryMiB)
    {
        _context = new ServerContext(new ServerOptions { Threads = threads, MemoryMiB = memoryMiB }, NullLoggerFactory.Instance);
        _requests = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 4 << 20,
            resumeWriterThreshold: 2 << 20,
            minimumSegmentSize: 64 << 10,
            useSynchronizationContext: false));
        _responses = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0,
            useSynchronizationContext: false));
        var session = new RpcSession(1, _context, _requests.Reader, _responses.Writer);
        _session = session.RunAsync(_stop.Token);
    }

    /// <summary>Where requests are written.</summary>
    public PipeWriter Requests => _requests.Writer;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushAsync()
    {
        FlushResult flush = await _requests.Writer.FlushAsync();
        if (flush.IsCompleted)
        {
            throw new InvalidOperationException("the session closed the connection");
        }
    }

    /// <summary>
    /// Flushes the pending requests and reads one response, which must carry <paramref name="size"/> bytes; returns the
    /// response's first u64.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ulong> ExchangeAsync(int size)
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

    public async ValueTask DisposeAsync()
    {
        await _requests.Writer.CompleteAsync();
        await _session;
        await _responses.Reader.CompleteAsync();
        _stop.Dispose();
        _context.Dispose();
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
