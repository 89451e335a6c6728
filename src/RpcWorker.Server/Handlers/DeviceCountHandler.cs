using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Handlers;

/// <summary>DEVICE_COUNT: one device, the CPU.</summary>
internal sealed class DeviceCountHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.DeviceCount;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        FrameWriter.WriteResponse(session.Output, new DeviceCount.Response(ServerContext.DeviceCount));
        return ValueTask.CompletedTask;
    }
}
