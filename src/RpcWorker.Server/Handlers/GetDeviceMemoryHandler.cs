using System.Buffers;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Handlers;

/// <summary>GET_DEVICE_MEMORY: total = the memory cap, free = cap minus what all sessions hold.</summary>
internal sealed class GetDeviceMemoryHandler : ICommandHandler
{
    public RpcCommand Command => RpcCommand.GetDeviceMemory;

    public ValueTask HandleAsync(RpcSession session, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        session.CheckDevice(Payload.Read<DeviceRequest>(payload).Device);
        Compute.MemoryBudget budget = session.Context.Budget;
        FrameWriter.WriteResponse(session.Output, new GetDeviceMemory.Response(budget.Free, budget.Capacity));
        return ValueTask.CompletedTask;
    }
}
