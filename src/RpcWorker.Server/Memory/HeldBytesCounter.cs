namespace RpcWorker.Server.Memory;

/// <summary>Bytes held by the buffers of all sessions of one server (scratch memory of the executor excluded).</summary>
internal sealed class HeldBytesCounter
{
    private long _bytes;

    public ulong Value => (ulong)Interlocked.Read(ref _bytes);

    public void Add(ulong bytes) => Interlocked.Add(ref _bytes, (long)bytes);

    public void Subtract(ulong bytes) => Interlocked.Add(ref _bytes, -(long)bytes);
}
