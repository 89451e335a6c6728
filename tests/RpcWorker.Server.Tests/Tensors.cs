using RpcWorker.Protocol;

namespace RpcWorker.Server.Tests;

/// <summary>Wire tensors for tests.</summary>
internal static class Tensors
{
    /// <summary>A contiguous tensor of <paramref name="type"/> (element size <paramref name="typeSize"/>, block 1).</summary>
    public static RpcTensor Contiguous(ulong id, uint type, uint typeSize, ulong buffer, ulong data, uint ne0, uint ne1 = 1, uint ne2 = 1, uint ne3 = 1)
    {
        var t = new RpcTensor { Id = id, Type = type, Buffer = buffer, Data = data };
        t.Ne[0] = ne0;
        t.Ne[1] = ne1;
        t.Ne[2] = ne2;
        t.Ne[3] = ne3;
        t.Nb[0] = typeSize;
        t.Nb[1] = typeSize * ne0;
        t.Nb[2] = typeSize * ne0 * ne1;
        t.Nb[3] = typeSize * ne0 * ne1 * ne2;
        return t;
    }

    public static RpcTensor F32(ulong id, ulong buffer, ulong data, uint ne0, uint ne1 = 1) =>
        Contiguous(id, 0, 4, buffer, data, ne0, ne1);

    public static RpcTensor Bytes(ulong buffer, ulong data, uint length) => Contiguous(1, 24, 1, buffer, data, length);
}
