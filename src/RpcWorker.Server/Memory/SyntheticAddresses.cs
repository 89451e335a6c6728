namespace RpcWorker.Server.Memory;

/// <summary>
/// Hands out the handles and base addresses clients see. They are never real pointers: handles count up from a fixed
/// tag, bases come from one process-wide 64-bit space with a large aligned gap after every buffer, so no two buffers of
/// any sessions ever overlap or share a handle.
/// </summary>
internal static class SyntheticAddresses
{
    /// <summary>Bases are multiples of this (far above the 32 bytes the protocol promises).</summary>
    public const ulong BaseAlignment = 1UL << 21;

    private const ulong FirstBase = 1UL << 44;
    private const ulong LastBase = 1UL << 62;
    private const ulong HandleTag = 0x5250_4300_0000_0000UL;

    private static long s_nextHandle;
    private static long s_nextBase = (long)FirstBase;

    /// <summary>A fresh non-zero buffer handle.</summary>
    public static ulong NextHandle() => HandleTag + ((ulong)Interlocked.Increment(ref s_nextHandle) << 4);

    /// <summary>Reserves a base for <paramref name="size"/> bytes followed by a gap; false when the space is used up.</summary>
    public static bool TryReserveBase(ulong size, out ulong baseAddress)
    {
        baseAddress = 0;
        if (size > LastBase)
        {
            return false;
        }
        ulong span = ((size + BaseAlignment - 1) & ~(BaseAlignment - 1)) + BaseAlignment;
        ulong end = (ulong)Interlocked.Add(ref s_nextBase, (long)span);
        if (end > LastBase || end < span)
        {
            return false;
        }
        baseAddress = end - span;
        return true;
    }
}
