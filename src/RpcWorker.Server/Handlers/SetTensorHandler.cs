using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using RpcWorker.Protocol.Messages;
using RpcWorker.Protocol;
using RpcWorker.Server.Memory;
using RpcWorker.Server.Transport;

namespace RpcWorker.Server.Handlers;

/// <summary>
/// SET_TENSOR: validates the 304-byte header, copies what the pipe already holds of the data into the buffer, then
/// receives the rest from the socket straight into the buffer (one copy, by the kernel; without a direct input, segment
/// by segment from the pipe as it arrives). With a cache configured, uploads above 10 MiB are stored under their hash
/// afterwards. No response.
/// </summary>
internal sealed class SetTensorHandler : IStreamingCommandHandler
{
    /// <summary>The most bytes asked of one direct receive.</summary>
    private const int MaxDirectReceive = 1 << 30;

    public RpcCommand Command => RpcCommand.SetTensor;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> HandleAsync(RpcSession session, RequestHeader header, CancellationToken cancellationToken)
    {
        PipeReader input = session.Input;
        int headerSize = SetTensor.Header.WireSize;
        ReadResult result = await PipeReading.ReadAtLeastAsync(input, headerSize, cancellationToken).ConfigureAwait(false);
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (buffer.Length < headerSize)
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            return false;
        }
        SetTensor.Header request = Payload.Read<SetTensor.Header>(buffer);
        input.AdvanceTo(buffer.GetPosition(headerSize));

        ulong size = header.PayloadSize - (ulong)headerSize;
        TensorLocation tensor = TensorMapper.LocateInBuffer(request.Tensor, session.Buffers);
        if (!TensorMapper.TryGetRange(tensor, request.Offset, size, out ulong start))
        {
            throw new RpcProtocolException($"write of [{request.Offset}, +{size}) lies outside the buffer");
        }
        RemoteBuffer target = tensor.Buffer!;
        ulong done = 0;
        if (session.DirectInput is { } direct)
        {
            while (done < size && input.TryRead(out result))
            {
                done += CopyBuffered(input, result, target, start + done, size - done);
                if (done < size && result.IsCompleted)
                {
                    return false;
                }
            }
            while (done < size)
            {
                int want = (int)Math.Min(size - done, MaxDirectReceive);
                int received = await direct.ReceiveDirectAsync(session.ReceiveMemory.At(target, start + done, want), cancellationToken).ConfigureAwait(false);
                if (received == 0)
                {
                    return false;
                }
                done += (ulong)received;
            }
        }
        while (done < size)
        {
            result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            done += CopyBuffered(input, result, target, start + done, size - done);
            if (done < size && result.IsCompleted)
            {
                return false;
            }
        }
        if (size > ProtocolLimits.HashThreshold && session.Context.Cache is { } cache)
        {
            unsafe
            {
                cache.Store(target.PointerOf(start), size);
            }
        }
        return true;
    }

    /// <summary>
    /// Copies up to <paramref name="remaining"/> bytes of what <paramref name="result"/> holds into the buffer at
    /// <paramref name="address"/> and consumes them from the reader; returns how many it copied.
    /// </summary>
    private static ulong CopyBuffered(PipeReader input, in ReadResult result, RemoteBuffer target, ulong address, ulong remaining)
    {
        ReadOnlySequence<byte> chunk = result.Buffer.Slice(0, (long)Math.Min((ulong)result.Buffer.Length, remaining));
        CopyIn(target, address, chunk);
        input.AdvanceTo(chunk.End);
        return (ulong)chunk.Length;
    }

    private static unsafe void CopyIn(RemoteBuffer buffer, ulong address, in ReadOnlySequence<byte> chunk)
    {
        byte* destination = buffer.PointerOf(address);
        foreach (ReadOnlyMemory<byte> segment in chunk)
        {
            segment.Span.CopyTo(new Span<byte>(destination, segment.Length));
            destination += segment.Length;
        }
    }
}
