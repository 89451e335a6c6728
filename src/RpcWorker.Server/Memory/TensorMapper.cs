using RpcWorker.Compute;
using RpcWorker.Protocol;

namespace RpcWorker.Server.Memory;

/// <summary>
/// Turns a wire <see cref="RpcTensor"/> into a validated compute <see cref="Tensor"/> (ggml's <c>deserialize_tensor</c>):
/// the type must exist, a known buffer handle resolves to this session's buffer (an unknown or foreign one becomes
/// "no buffer", as in ggml), and the tensor's whole <c>ne</c>/<c>nb</c> extent must lie inside that buffer. Violations throw
/// <see cref="RpcProtocolException"/>.
/// </summary>
internal static class TensorMapper
{
    /// <summary>Validates the type, extent and buffer of <paramref name="wire"/> without building a compute tensor.</summary>
    public static TensorLocation Locate(in RpcTensor wire, BufferTable buffers)
    {
        if (!TypeTraits.TryGet(wire.Type, out TypeInfo? info))
        {
            throw new RpcProtocolException($"tensor type {wire.Type} does not exist");
        }
        Dims4 ne = default;
        Dims4 nb = default;
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            ne[i] = wire.Ne[i];
            nb[i] = wire.Nb[i];
        }
        ulong nbytes;
        try
        {
            nbytes = (ulong)TensorLayout.NBytes(info.Value.Type, ne, nb);
        }
        catch (OverflowException)
        {
            throw new RpcProtocolException("tensor extent overflows");
        }
        if (wire.Buffer == 0 || !buffers.TryGet(wire.Buffer, out RemoteBuffer? buffer))
        {
            return new TensorLocation(null, 0, nbytes);
        }
        if (!buffer.Contains(wire.Data, nbytes))
        {
            throw new RpcProtocolException(
                $"tensor data 0x{wire.Data:x} + {nbytes} bytes lies outside its buffer [0x{buffer.Base:x}, +{buffer.Size})");
        }
        return new TensorLocation(buffer, wire.Data, nbytes);
    }

    /// <summary>Locates a tensor that must live in one of this session's buffers (SET/GET/COPY/MEMSET).</summary>
    public static TensorLocation LocateInBuffer(in RpcTensor wire, BufferTable buffers)
    {
        TensorLocation location = Locate(wire, buffers);
        if (location.Buffer is null)
        {
            throw new RpcProtocolException($"buffer 0x{wire.Buffer:x} is not a buffer of this session");
        }
        return location;
    }

    /// <summary>
    /// Makes <paramref name="tensor"/> (new, or reused from an earlier graph) the compute tensor of a validated graph
    /// tensor; every field is overwritten except <see cref="Tensor.Src"/> and <see cref="Tensor.ViewSrc"/>, which the
    /// caller links. The name string is kept when it is unchanged, so a graph rebuilt every token allocates nothing here.
    /// </summary>
    public static TensorLocation Fill(Tensor tensor, in RpcTensor wire, BufferTable buffers)
    {
        TensorLocation location = Locate(wire, buffers);
        tensor.Type = (GgmlType)wire.Type;
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            tensor.Ne[i] = wire.Ne[i];
            tensor.Nb[i] = wire.Nb[i];
        }
        tensor.Data = 0;
        if (location.Buffer is { } buffer)
        {
            unsafe
            {
                tensor.Data = (nint)buffer.PointerOf(wire.Data);
            }
        }
        tensor.Op = (GgmlOp)wire.Op;
        RpcTensor copy = wire;
        for (int i = 0; i < Tensor.MaxOpParams; i++)
        {
            tensor.Params[i] = copy.OpParams[i];
        }
        tensor.Flags = wire.Flags;
        tensor.UseCount = wire.UseCount;
        if (!wire.NameEquals(tensor.Name))
        {
            tensor.Name = wire.GetName();
        }
        return location;
    }

    /// <summary>
    /// ggml's range rule for SET_TENSOR/GET_TENSOR/SET_TENSOR_HASH: <c>base ≤ data+offset &lt; base+size</c> and
    /// <c>length ≤ base+size − (data+offset)</c>. Returns the start address.
    /// </summary>
    public static bool TryGetRange(in TensorLocation tensor, ulong offset, ulong length, out ulong start)
    {
        RemoteBuffer buffer = tensor.Buffer!;
        start = tensor.Address + offset;
        if (start < tensor.Address)
        {
            return false;
        }
        return start >= buffer.Base && start - buffer.Base < buffer.Size && length <= buffer.Size - (start - buffer.Base);
    }
}
