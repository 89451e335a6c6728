using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server;

namespace RpcWorker.Benchmarks.Server;

/// <summary>
/// SET_TENSOR upload throughput through the real <see cref="RpcSession"/> and its handlers, embedded over in-memory pipes
/// (<see cref="EmbeddedSession"/>); the client flushes every 64 KiB like a receive loop would. One operation = one SET_TENSOR of <see cref="Size"/> bytes into a 16 MiB buffer followed by a
/// GET_ALIGNMENT round trip that fences it (SET_TENSOR has no reply). Bytes/s = Size / Mean.
/// </summary>
[MemoryDiagnoser]
public class SetTensorBenchmarks
{
    private const int BufferBytes = 16 << 20;
    private const int ChunkBytes = 64 << 10;
    private EmbeddedSession _session = null!;
    private byte[] _data = null!;
    private byte[] _header = null!;

    [Params(64 << 10, 1 << 20, 16 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _session = new EmbeddedSession(threads: 1, memoryMiB: 64);

        FrameWriter.WriteRequest(_session.Requests, RpcCommand.Hello, new Hello.Request(default));
        await _session.ExchangeAsync(4 + ProtocolLimits.ConnCapsSize);
        FrameWriter.WriteRequest(_session.Requests, RpcCommand.AllocBuffer, new AllocBuffer.Request(0, BufferBytes));
        ulong handle = await _session.ExchangeAsync(16);
        FrameWriter.WriteRequest(_session.Requests, RpcCommand.BufferGetBase, new BufferRequest(handle));
        ulong baseAddress = await _session.ExchangeAsync(8);

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
        PipeWriter writer = _session.Requests;
        FrameWriter.WriteBytes(writer, _header);
        for (int at = 0; at < _data.Length; at += ChunkBytes)
        {
            FrameWriter.WriteBytes(writer, _data.AsSpan(at, Math.Min(ChunkBytes, _data.Length - at)));
            await _session.FlushAsync();
        }
        FrameWriter.WriteRequest(writer, RpcCommand.GetAlignment, new DeviceRequest(0));
        return await _session.ExchangeAsync(8);
    }

    [GlobalCleanup]
    public ValueTask Cleanup() => _session.DisposeAsync();
}
