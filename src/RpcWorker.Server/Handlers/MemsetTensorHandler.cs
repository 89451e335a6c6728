using System.Buffers;
using System.Runtime.InteropServices;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>MEMSET_TENSOR: fills a range inside the tensor's extent with one byte; empty response.</summary>
internal sealed class MemsetTensorHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.MemsetTensor;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        MemsetTensor.Request request = Payload.Read<MemsetTensor.Request>(payload);
        TensorLocation tensor = TensorMapper.LocateInBuffer(request.Tensor, session.Buffers);
        if (request.Offset > tensor.NBytes || request.Size > tensor.NBytes - request.Offset)
        {
            throw new RpcProtocolException($"memset [{request.Offset}, +{request.Size}) exceeds the tensor's {tensor.NBytes} bytes");
        }
        if (request.Size != 0)
        {
            unsafe
            {
                NativeMemory.Fill(tensor.Buffer!.PointerOf(tensor.Address + request.Offset), (nuint)request.Size, request.Value);
            }
        }
        FrameWriter.WriteEmptyResponse(session.Output);
        return ValueTask.CompletedTask;
    }
}
