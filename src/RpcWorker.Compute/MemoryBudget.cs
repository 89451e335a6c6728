namespace RpcWorker.Compute;

/// <summary>
/// Counts the bytes held by all buffers of the process against a cap, so allocations beyond it fail cleanly and
/// GET_DEVICE_MEMORY can answer honestly (free = cap − held).
/// </summary>
public sealed class MemoryBudget
{
    private long _held;

    public MemoryBudget(ulong capacity) => Capacity = capacity;

    /// <summary>The cap in bytes.</summary>
    public ulong Capacity { get; }

    /// <summary>Bytes currently held by live buffers.</summary>
    public ulong Held => (ulong)Interlocked.Read(ref _held);

    /// <summary>Bytes still available under the cap.</summary>
    public ulong Free => Capacity - Math.Min(Capacity, Held);

    /// <summary>Reserves <paramref name="bytes"/>; false (and nothing reserved) when the cap would be exceeded.</summary>
    public bool TryReserve(ulong bytes)
    {
        while (true)
        {
            long held = Interlocked.Read(ref _held);
            ulong next = (ulong)held + bytes;
            if (next < (ulong)held || next > Capacity || next > long.MaxValue)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _held, (long)next, held) == held)
            {
                return true;
            }
        }
    }

    /// <summary>Returns bytes reserved earlier.</summary>
    public void Release(ulong bytes) => Interlocked.Add(ref _held, -(long)bytes);
}
