namespace RpcWorker.Server;

/// <summary>A request broke the protocol; the session that sent it is closed (nothing is sent back, as in ggml).</summary>
internal sealed class RpcProtocolException(string reason) : Exception(reason);
