namespace RpcWorker.Client;

/// <summary>The reply to ALLOC_BUFFER: the server's buffer handle and its size (both 0 when the allocation failed).</summary>
public readonly record struct RpcBufferInfo(ulong RemotePtr, ulong RemoteSize)
{
    public bool IsAllocated => RemotePtr != 0;
}
