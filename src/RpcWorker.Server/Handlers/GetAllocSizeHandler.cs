using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>GET_ALLOC_SIZE: ggml_nbytes of the tensor (the CPU buffer type pads nothing); its sources are validated too.</summary>
internal sealed class GetAllocSizeHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GetAllocSize;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        GetAllocSize.Request request = Payload.Read<GetAllocSize.Request>(payload);
        session.CheckDevice(request.Device);
        TensorLocation tensor = TensorMapper.Locate(request.Tensor, session.Buffers);
        for (int i = 0; i < RpcTensor.MaxSrc; i++)
        {
            if (request.Srcs[i].Id != 0)
            {
                TensorMapper.Locate(request.Srcs[i], session.Buffers);
            }
        }
        FrameWriter.WriteResponse(session.Output, new U64Response(tensor.NBytes));
        return ValueTask.CompletedTask;
    }
}
