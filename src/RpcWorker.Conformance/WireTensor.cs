using System.Buffers.Binary;
using RpcWorker.Compute;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance;

/// <summary>Offsets of the serialized tensors inside each request, and short descriptions of wire tensors.</summary>
internal static class WireTensor
{
    public const int BufferOffset = 12;
    public const int DataOffset = 220;

    /// <summary>The byte offset of every serialized tensor of a request (none for commands without tensors).</summary>
    public static int[] TensorOffsets(byte command, ReadOnlySpan<byte> request)
    {
        switch ((RpcCommand)command)
        {
            case RpcCommand.SetTensor:
            case RpcCommand.SetTensorHash:
            case RpcCommand.GetTensor:
            case RpcCommand.InitTensor:
            case RpcCommand.MemsetTensor:
                Require(command, request, RpcTensor.Size);
                return [0];
            case RpcCommand.CopyTensor:
                Require(command, request, 2 * RpcTensor.Size);
                return [0, RpcTensor.Size];
            case RpcCommand.GetAllocSize:
                Require(command, request, 4 + (1 + RpcTensor.MaxSrc) * RpcTensor.Size);
                return [.. Enumerable.Range(0, 1 + RpcTensor.MaxSrc).Select(i => 4 + i * RpcTensor.Size)];
            case RpcCommand.GraphCompute:
                (int first, int count) = GraphTensors(request);
                return [.. Enumerable.Range(0, count).Select(i => first + i * RpcTensor.Size)];
            default:
                return [];
        }
    }

    /// <summary>Offset of the first tensor and the tensor count of a GRAPH_COMPUTE payload, checked against its length.</summary>
    public static (int First, int Count) GraphTensors(ReadOnlySpan<byte> request)
    {
        Require((byte)RpcCommand.GraphCompute, request, 8);
        ulong nodes = BinaryPrimitives.ReadUInt32LittleEndian(request[4..]);
        ulong countAt = 8 + 8 * nodes;
        Require((byte)RpcCommand.GraphCompute, request, countAt + 4);
        ulong count = BinaryPrimitives.ReadUInt32LittleEndian(request[(int)countAt..]);
        Require((byte)RpcCommand.GraphCompute, request, countAt + 4 + count * RpcTensor.Size);
        return ((int)countAt + 4, (int)count);
    }

    /// <summary>Node ids of a GRAPH_COMPUTE payload (already checked by <see cref="GraphTensors"/>).</summary>
    public static ulong[] GraphNodes(ReadOnlySpan<byte> request)
    {
        int n = (int)BinaryPrimitives.ReadUInt32LittleEndian(request[4..]);
        var ids = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt64LittleEndian(request[(8 + 8 * i)..]);
        }
        return ids;
    }

    /// <summary><c>'name' type[ne0,ne1,ne2,ne3]</c>.</summary>
    public static string Describe(in RpcTensor t) =>
        $"'{t.GetName()}' {TypeName(t.Type)}[{t.Ne[0]},{t.Ne[1]},{t.Ne[2]},{t.Ne[3]}]";

    public static string TypeName(uint type) => TypeTraits.TryGet(type, out TypeInfo? info) ? info.Value.Name : $"type{type}";

    private static void Require(byte command, ReadOnlySpan<byte> request, ulong size)
    {
        if ((ulong)request.Length < size)
        {
            throw new ReplayException(
                $"recorded {RpcWorker.Client.RpcProtocolException.DescribeCommand(command)} request of {request.Length} bytes is too short");
        }
    }
}
