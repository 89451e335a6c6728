using System.Diagnostics.CodeAnalysis;
using RpcWorker.Compute;

namespace RpcWorker.Server.Memory;

/// <summary>
/// The buffers of one session, by handle. A handle of another session (or a made-up one) is simply not here. Disposing
/// the table frees every buffer, which is what ends a session in ggml.
/// </summary>
internal sealed class BufferTable : IDisposable
{
    /// <summary>More buffers than any llama.cpp client uses; beyond it ALLOC_BUFFER answers an allocation failure.</summary>
    public const int MaxBuffers = 1 << 16;

    private readonly Dictionary<ulong, RemoteBuffer> _buffers = [];
    private readonly MemoryBudget _budget;
    private readonly HeldBytesCounter _held;

    public BufferTable(MemoryBudget budget, HeldBytesCounter held)
    {
        _budget = budget;
        _held = held;
    }

    public int Count => _buffers.Count;

    /// <summary>Bytes held by this session's buffers.</summary>
    public ulong Bytes { get; private set; }

    /// <summary>Allocates a buffer; null when the memory cap, the OS or the buffer count refuses.</summary>
    public RemoteBuffer? TryAllocate(ulong size)
    {
        if (_buffers.Count >= MaxBuffers || !SyntheticAddresses.TryReserveBase(size, out ulong baseAddress))
        {
            return null;
        }
        NativeBuffer? native = NativeBuffer.TryAllocate(_budget, size);
        if (native is null)
        {
            return null;
        }
        var buffer = new RemoteBuffer(SyntheticAddresses.NextHandle(), baseAddress, native);
        _buffers.Add(buffer.Handle, buffer);
        Bytes += size;
        _held.Add(size);
        return buffer;
    }

    public bool TryGet(ulong handle, [NotNullWhen(true)] out RemoteBuffer? buffer) => _buffers.TryGetValue(handle, out buffer);

    /// <summary>Frees a buffer of this session; false when the handle is not one.</summary>
    public bool Free(ulong handle)
    {
        if (!_buffers.Remove(handle, out RemoteBuffer? buffer))
        {
            return false;
        }
        Release(buffer);
        return true;
    }

    private void Release(RemoteBuffer buffer)
    {
        buffer.Native.Dispose();
        Bytes -= buffer.Size;
        _held.Subtract(buffer.Size);
    }

    public void Dispose()
    {
        foreach (RemoteBuffer buffer in _buffers.Values)
        {
            Release(buffer);
        }
        _buffers.Clear();
    }
}
