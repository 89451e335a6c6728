using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Handlers;

/// <summary>SET_TENSOR_HASH: loads cached bytes by FNV-1a-64 hash; answers 1 on a verified hit, 0 otherwise (no cache, missing, corrupt or too long).</summary>
internal sealed class SetTensorHashHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.SetTensorHash;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        SetTensorHash.Request request = Payload.Read<SetTensorHash.Request>(payload);
        TensorLocation tensor = TensorMapper.LocateInBuffer(request.Tensor, session.Buffers);
        if (!TensorMapper.TryGetRange(tensor, request.Offset, 0, out ulong start))
        {
            throw new RpcProtocolException($"offset {request.Offset} lies outside the buffer");
        }
        RemoteBuffer buffer = tensor.Buffer!;
        ulong limit = buffer.Size - (start - buffer.Base);
        bool hit = session.Context.Cache is { } cache && cache.TryLoad(request.Hash, buffer, start, limit);
        FrameWriter.WriteResponse(session.Output, new ResultResponse(hit ? (byte)1 : (byte)0));
        return ValueTask.CompletedTask;
    }
}
