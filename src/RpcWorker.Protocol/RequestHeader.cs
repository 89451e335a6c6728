namespace RpcWorker.Protocol;

/// <summary>The 9 bytes before every request payload: the command and the payload size.</summary>
public readonly record struct RequestHeader(RpcCommand Command, ulong PayloadSize);
