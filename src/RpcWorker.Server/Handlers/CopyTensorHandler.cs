using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>COPY_TENSOR: copies nbytes(src) bytes between two tensors of this session (overlap-safe); answers 1.</summary>
internal sealed class CopyTensorHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.CopyTensor;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        CopyTensor.Request request = Payload.Read<CopyTensor.Request>(payload);
        TensorLocation src = TensorMapper.LocateInBuffer(request.Src, session.Buffers);
        TensorLocation dst = TensorMapper.LocateInBuffer(request.Dst, session.Buffers);
        if (!dst.Buffer!.Contains(dst.Address, src.NBytes))
        {
            throw new RpcProtocolException($"copy of {src.NBytes} bytes overruns the destination buffer");
        }
        unsafe
        {
            Buffer.MemoryCopy(src.Buffer!.PointerOf(src.Address), dst.Buffer.PointerOf(dst.Address), src.NBytes, src.NBytes);
        }
        FrameWriter.WriteResponse(session.Output, new ResultResponse(1));
        return ValueTask.CompletedTask;
    }
}
