using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>INIT_TENSOR: validates the tensor; CPU memory needs no initialisation. Empty response.</summary>
internal sealed class InitTensorHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.InitTensor;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        TensorMapper.Locate(Payload.Read<InitTensor.Request>(payload).Tensor, session.Buffers);
        FrameWriter.WriteEmptyResponse(session.Output);
        return ValueTask.CompletedTask;
    }
}
