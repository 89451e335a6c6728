using System.Buffers;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Transport;

/// <summary>
/// A reusable <see cref="Memory{T}"/> over native memory (a buffer's bytes), so a socket can receive into it. Pinning is a
/// no-op: the memory never moves. One per session, re-aimed for each receive.
/// </summary>
internal sealed unsafe class BufferMemory : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    /// <summary>Aims this manager at <paramref name="length"/> bytes from <paramref name="pointer"/> and returns their memory.</summary>
    public Memory<byte> At(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
        return Memory;
    }

    /// <summary>Aims this manager at <paramref name="length"/> bytes of <paramref name="buffer"/> from the checked client address <paramref name="address"/>.</summary>
    public Memory<byte> At(RemoteBuffer buffer, ulong address, int length) => At(buffer.PointerOf(address), length);

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
