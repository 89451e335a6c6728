namespace RpcWorker.Client;

/// <summary>The server closed the connection while a reply was expected (how a ggml RPC server signals any error).</summary>
public sealed class RpcConnectionClosedException : RpcProtocolException
{
    public RpcConnectionClosedException(byte command, string message)
        : base(command, message)
    {
    }
}
