using System.Runtime.InteropServices;

namespace RpcWorker.Compute;

/// <summary>
/// A block of 64-byte aligned native memory (never on the GC heap: buffers reach many GiB), charged to a
/// <see cref="MemoryBudget"/> until disposed. A zero-size buffer owns no memory.
/// Buffers of at least <see cref="HugePageSize"/> bytes are aligned to it and, on Linux, advised as transparent huge
/// pages: decode streams every weight once per token, and with 4 KiB pages that is a TLB miss every 4 KiB.
/// </summary>
public sealed unsafe partial class NativeBuffer : IDisposable
{
    /// <summary>Alignment of every allocation (ggml_aligned_malloc uses 64).</summary>
    public const int Alignment = 64;

    /// <summary>The x86-64 and Arm64 (4 KiB granule) huge page size.</summary>
    public const int HugePageSize = 2 << 20;

    private const int MadvHugePage = 14;

    private readonly MemoryBudget _budget;
    private byte* _pointer;

    private NativeBuffer(MemoryBudget budget, byte* pointer, ulong size)
    {
        _budget = budget;
        _pointer = pointer;
        Size = size;
    }

    /// <summary>Bytes usable from <see cref="Pointer"/>.</summary>
    public ulong Size { get; }

    /// <summary>Start of the memory; null for a zero-size buffer or after disposal.</summary>
    public byte* Pointer => _pointer;

    public bool IsDisposed { get; private set; }

    /// <summary>Allocates <paramref name="size"/> bytes, or returns null when the budget or the OS refuses.</summary>
    public static NativeBuffer? TryAllocate(MemoryBudget budget, ulong size)
    {
        ArgumentNullException.ThrowIfNull(budget);
        if (size == 0)
        {
            return new NativeBuffer(budget, null, 0);
        }
        if (size > long.MaxValue - Alignment || !budget.TryReserve(size))
        {
            return null;
        }
        try
        {
            bool huge = size >= HugePageSize;
            byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)size, (nuint)(huge ? HugePageSize : Alignment));
            if (huge && OperatingSystem.IsLinux())
            {
                // A hint: where transparent huge pages are off (or madvise fails) the buffer simply keeps 4 KiB pages.
                _ = Madvise(p, (nuint)(size & ~((ulong)HugePageSize - 1)), MadvHugePage);
            }
            return new NativeBuffer(budget, p, size);
        }
        catch (OutOfMemoryException)
        {
            budget.Release(size);
            return null;
        }
    }

    /// <summary>A span over bytes [offset, offset+length); the caller has bounds-checked both.</summary>
    public Span<byte> Slice(ulong offset, int length)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (offset > Size || (ulong)length > Size - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
        return new Span<byte>(_pointer + offset, length);
    }

    /// <summary>Sets every byte to <paramref name="value"/>.</summary>
    public void Fill(byte value)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Size != 0)
        {
            NativeMemory.Fill(_pointer, (nuint)Size, value);
        }
    }

    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }
        IsDisposed = true;
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
            _budget.Release(Size);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
