using RpcWorker.Compute;

namespace RpcWorker.Server.Memory;

/// <summary>One buffer a client allocated: its handle, its synthetic base address, and the native memory behind it.</summary>
internal sealed unsafe class RemoteBuffer
{
    public RemoteBuffer(ulong handle, ulong baseAddress, NativeBuffer native)
    {
        Handle = handle;
        Base = baseAddress;
        Native = native;
    }

    public ulong Handle { get; }

    /// <summary>The address clients compute tensor <c>data</c> from (not a pointer).</summary>
    public ulong Base { get; }

    public NativeBuffer Native { get; }

    public ulong Size => Native.Size;

    /// <summary>True when [<paramref name="address"/>, +<paramref name="length"/>) lies inside [Base, Base+Size), overflow-safe.</summary>
    public bool Contains(ulong address, ulong length) =>
        address >= Base && address - Base <= Size && length <= Size - (address - Base);

    /// <summary>The native pointer of a client address already checked with <see cref="Contains"/>.</summary>
    public byte* PointerOf(ulong address) => Native.Pointer + (address - Base);
}
