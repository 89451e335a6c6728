using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RpcWorker.Protocol;

/// <summary>
/// The packed 296-byte <c>rpc_tensor</c> exactly as it travels on the wire (little-endian).
/// <c>Id</c>, <c>Src</c> and <c>ViewSrc</c> are opaque client handles; <c>Buffer</c> and <c>Data</c> are server handles/addresses.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size, Pack = 1)]
public struct RpcTensor
{
    public const int Size = 296;
    public const int MaxDims = 4;
    public const int MaxSrc = 10;
    public const int MaxOpParams = 16;
    public const int MaxName = 64;

    [FieldOffset(0)] public ulong Id;
    [FieldOffset(8)] public uint Type;
    [FieldOffset(12)] public ulong Buffer;
    [FieldOffset(20)] public Dims Ne;
    [FieldOffset(36)] public Dims Nb;
    [FieldOffset(52)] public uint Op;
    [FieldOffset(56)] public OpParamArray OpParams;
    [FieldOffset(120)] public int Flags;
    [FieldOffset(124)] public SrcArray Src;
    [FieldOffset(204)] public ulong ViewSrc;
    [FieldOffset(212)] public ulong ViewOffs;
    [FieldOffset(220)] public ulong Data;
    [FieldOffset(228)] public NameBytes Name;
    [FieldOffset(292)] public int UseCount;

    /// <summary>Reads a tensor from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static RpcTensor Read(ReadOnlySpan<byte> source)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("RpcWorker requires a little-endian host.");
        }
        return MemoryMarshal.Read<RpcTensor>(source[..Size]);
    }

    /// <summary>Writes this tensor into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public readonly void Write(Span<byte> destination) => MemoryMarshal.Write(destination[..Size], in this);

    /// <summary>True when all 296 bytes are zero (how a null tensor is serialized).</summary>
    public readonly bool IsNull
    {
        get
        {
            RpcTensor copy = this;
            return MemoryMarshal.AsBytes(new ReadOnlySpan<RpcTensor>(ref copy)).IndexOfAnyExcept((byte)0) < 0;
        }
    }

    /// <summary>The name up to the first NUL, decoded as UTF-8 (invalid bytes are replaced).</summary>
    public readonly string GetName()
    {
        NameBytes copy = Name;
        ReadOnlySpan<byte> bytes = copy;
        int end = bytes.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>
    /// True when <see cref="GetName"/> would return <paramref name="name"/>, decided without allocating for ASCII names
    /// (a name with other bytes compares unequal, so the caller decodes it).
    /// </summary>
    public readonly bool NameEquals(string name)
    {
        NameBytes copy = Name;
        ReadOnlySpan<byte> bytes = copy;
        int end = bytes.IndexOf((byte)0);
        bytes = end < 0 ? bytes : bytes[..end];
        if (bytes.Length != name.Length)
        {
            return false;
        }
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] >= 0x80 || bytes[i] != name[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Four u32 values (ne or nb; truncated to 32 bits on the wire).</summary>
    [InlineArray(MaxDims)]
    public struct Dims
    {
        private uint _element0;
    }

    /// <summary>Sixteen i32 op parameters.</summary>
    [InlineArray(MaxOpParams)]
    public struct OpParamArray
    {
        private int _element0;
    }

    /// <summary>Ten source handles.</summary>
    [InlineArray(MaxSrc)]
    public struct SrcArray
    {
        private ulong _element0;
    }

    /// <summary>64 NUL-padded name bytes.</summary>
    [InlineArray(MaxName)]
    public struct NameBytes
    {
        private byte _element0;
    }
}
