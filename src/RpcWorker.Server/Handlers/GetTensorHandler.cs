using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RpcWorker.Protocol.Messages;
using RpcWorker.Protocol;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>
/// GET_TENSOR: answers <c>size</c> raw bytes from <c>data + offset</c>. Up to <see cref="DirectThreshold"/> they are copied
/// from the buffer into pipe memory, so header and data leave in one send. Larger answers, with a direct output, flush the
/// header and then are sent straight from the buffer (no copy, a few large sends instead of one per pipe segment:
/// 1-4 MiB reads measured 1.9-2.5 GB/s through the pipe against 2.5-3.8 GB/s for the C++ server); without one they
/// are copied into the pipe in chunks, flushing as it goes, so a large read never stages the whole tensor.
/// </summary>
internal sealed class GetTensorHandler : ICommandHandler
{
    private const int FlushThreshold = 1 << 20;
    private const ulong DirectThreshold = 64 << 10;
    private const int MaxDirectSend = 1 << 30;

    public RpcCommand Command => RpcCommand.GetTensor;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        GetTensor.Request request = Payload.Read<GetTensor.Request>(payload);
        TensorLocation tensor = TensorMapper.LocateInBuffer(request.Tensor, session.Buffers);
        if (!TensorMapper.TryGetRange(tensor, request.Offset, request.Size, out ulong start))
        {
            throw new RpcProtocolException($"read of [{request.Offset}, +{request.Size}) lies outside the buffer");
        }
        PipeWriter output = session.Output;
        FrameWriter.WriteResponseHeader(output, request.Size);
        if (request.Size > DirectThreshold && session.DirectOutput is { } direct)
        {
            FlushResult flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
            for (ulong sent = 0; sent < request.Size;)
            {
                int n = (int)Math.Min(request.Size - sent, MaxDirectSend);
                await direct.SendDirectAsync(session.SendMemory.At(tensor.Buffer!, start + sent, n), cancellationToken).ConfigureAwait(false);
                sent += (ulong)n;
            }
            return;
        }
        ulong done = 0;
        while (done < request.Size)
        {
            done += CopyOut(tensor.Buffer!, start + done, Math.Min(request.Size - done, FlushThreshold), output);
            if (done < request.Size)
            {
                FlushResult flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return;
                }
            }
        }
    }

    private static unsafe ulong CopyOut(RemoteBuffer buffer, ulong address, ulong length, PipeWriter output)
    {
        byte* source = buffer.PointerOf(address);
        ulong done = 0;
        while (done < length)
        {
            Span<byte> span = output.GetSpan(1);
            int n = (int)Math.Min((ulong)span.Length, length - done);
            new ReadOnlySpan<byte>(source + done, n).CopyTo(span);
            output.Advance(n);
            done += (ulong)n;
        }
        return done;
    }
}
