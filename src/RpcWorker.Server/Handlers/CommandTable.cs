using RpcWorker.Protocol;

namespace RpcWorker.Server.Handlers;

/// <summary>One handler per command id, shared by all sessions (handlers are stateless; state lives in the session).</summary>
internal static class CommandTable
{
    private static readonly ICommandHandler?[] s_buffered = new ICommandHandler?[FrameReader.CommandCount];
    private static readonly IStreamingCommandHandler?[] s_streaming = new IStreamingCommandHandler?[FrameReader.CommandCount];

    static CommandTable()
    {
        Add(new AllocBufferHandler());
        Add(new GetAlignmentHandler());
        Add(new GetMaxSizeHandler());
        Add(new BufferGetBaseHandler());
        Add(new FreeBufferHandler());
        Add(new BufferClearHandler());
        s_streaming[(int)RpcCommand.SetTensor] = new SetTensorHandler();
        Add(new SetTensorHashHandler());
        Add(new GetTensorHandler());
        Add(new CopyTensorHandler());
        Add(new GraphComputeHandler());
        Add(new GetDeviceMemoryHandler());
        Add(new InitTensorHandler());
        Add(new GetAllocSizeHandler());
        Add(new HelloHandler());
        Add(new DeviceCountHandler());
        Add(new GraphRecomputeHandler());
        Add(new MemsetTensorHandler());
    }

    /// <summary>The handler of a command whose payload is buffered whole; null for SET_TENSOR.</summary>
    public static ICommandHandler? Buffered(RpcCommand command) => s_buffered[(int)command];

    /// <summary>The handler of a streamed command (SET_TENSOR); null for the others.</summary>
    public static IStreamingCommandHandler? Streaming(RpcCommand command) => s_streaming[(int)command];

    private static void Add(ICommandHandler handler) => s_buffered[(int)handler.Command] = handler;
}
