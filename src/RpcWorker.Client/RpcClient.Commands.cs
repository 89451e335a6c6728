using System.Buffers.Binary;
using RpcWorker.Protocol;

namespace RpcWorker.Client;

public sealed partial class RpcClient
{
    private const int NoReply = -1;
    private const int TensorOffsetSize = RpcTensor.Size + 8;

    /// <summary>HELLO with all-zero conn_caps (TCP only). Throws when the server's version is not accepted by a 5.1.0 client.</summary>
    public Task<ProtocolVersion> HelloAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.Hello, ProtocolLimits.ConnCapsSize);
        frame[ProtocolLimits.RequestHeaderSize..].Clear();
        return CallAsync(RpcCommand.Hello, frame.Length, 4 + ProtocolLimits.ConnCapsSize, 0, static (reply, _) =>
        {
            ReadOnlySpan<byte> r = reply.Span;
            var server = new ProtocolVersion(r[0], r[1], r[2]);
            if (!server.IsAcceptedBy(ProtocolVersion.Current))
            {
                throw new RpcProtocolException((byte)RpcCommand.Hello,
                    $"server version {server} is not accepted by a {ProtocolVersion.Current} client");
            }
            return server;
        }, cancellationToken);
    }

    /// <summary>DEVICE_COUNT: how many devices the server exposes.</summary>
    public Task<uint> DeviceCountAsync(CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.DeviceCount, 0);
        return CallAsync(RpcCommand.DeviceCount, frame.Length, 4, 0,
            static (reply, _) => BinaryPrimitives.ReadUInt32LittleEndian(reply.Span), cancellationToken);
    }

    /// <summary>GET_ALIGNMENT of <paramref name="device"/>'s buffer type.</summary>
    public Task<ulong> GetAlignmentAsync(uint device, CancellationToken cancellationToken = default) =>
        DeviceQueryAsync(RpcCommand.GetAlignment, device, cancellationToken);

    /// <summary>GET_MAX_SIZE of <paramref name="device"/>'s buffer type.</summary>
    public Task<ulong> GetMaxSizeAsync(uint device, CancellationToken cancellationToken = default) =>
        DeviceQueryAsync(RpcCommand.GetMaxSize, device, cancellationToken);

    /// <summary>ALLOC_BUFFER of <paramref name="size"/> bytes; a failed allocation returns a zero handle.</summary>
    public Task<RpcBufferInfo> AllocBufferAsync(uint device, ulong size, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.AllocBuffer, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[9..], device);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[13..], size);
        return CallAsync(RpcCommand.AllocBuffer, frame.Length, 16, size, static (reply, requested) =>
        {
            var info = new RpcBufferInfo(BinaryPrimitives.ReadUInt64LittleEndian(reply.Span),
                BinaryPrimitives.ReadUInt64LittleEndian(reply.Span[8..]));
            if (info.RemotePtr == 0 && info.RemoteSize != 0)
            {
                throw new RpcProtocolException((byte)RpcCommand.AllocBuffer, $"null buffer with size {info.RemoteSize}");
            }
            if (info.RemotePtr != 0 && info.RemoteSize < requested)
            {
                throw new RpcProtocolException((byte)RpcCommand.AllocBuffer,
                    $"buffer of {info.RemoteSize} bytes for a request of {requested}");
            }
            return info;
        }, cancellationToken);
    }

    /// <summary>BUFFER_GET_BASE: the server address of the buffer's first byte (0 for a zero-size buffer).</summary>
    public Task<ulong> BufferGetBaseAsync(ulong remotePtr, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.BufferGetBase, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[9..], remotePtr);
        return CallAsync(RpcCommand.BufferGetBase, frame.Length, 8, 0,
            static (reply, _) => BinaryPrimitives.ReadUInt64LittleEndian(reply.Span), cancellationToken);
    }

    /// <summary>FREE_BUFFER.</summary>
    public Task FreeBufferAsync(ulong remotePtr, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.FreeBuffer, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[9..], remotePtr);
        return CallAsync(RpcCommand.FreeBuffer, frame.Length, 0, 0, static (_, _) => true, cancellationToken);
    }

    /// <summary>BUFFER_CLEAR: fills the whole buffer with <paramref name="value"/>.</summary>
    public Task BufferClearAsync(ulong remotePtr, byte value, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.BufferClear, 9);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[9..], remotePtr);
        frame[17] = value;
        return CallAsync(RpcCommand.BufferClear, frame.Length, 0, 0, static (_, _) => true, cancellationToken);
    }

    /// <summary>SET_TENSOR: writes <paramref name="data"/> at <paramref name="offset"/> in the tensor (no reply; the data is sent from caller memory).</summary>
    public async Task SetTensorAsync(RpcTensor tensor, ulong offset, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            int prefix = WriteTensorPrefix(tensor, offset, data.Length);
            await SendAllAsync(_scratch.AsMemory(0, prefix), cancellationToken).ConfigureAwait(false);
            await SendAllAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fault(e);
            throw;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>SET_TENSOR_HASH: true when the server loaded the data from its cache; false means send SET_TENSOR.</summary>
    public Task<bool> SetTensorHashAsync(RpcTensor tensor, ulong offset, ulong hash, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.SetTensorHash, TensorOffsetSize + 8);
        WriteTensorAndOffset(frame, tensor, offset);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[(9 + TensorOffsetSize)..], hash);
        return CallAsync(RpcCommand.SetTensorHash, frame.Length, 1, RpcCommand.SetTensorHash, ReadFlag, cancellationToken);
    }

    /// <summary>GET_TENSOR: reads <c>destination.Length</c> bytes at <paramref name="offset"/> in the tensor straight into <paramref name="destination"/>.</summary>
    public async Task GetTensorAsync(RpcTensor tensor, ulong offset, Memory<byte> destination,
        CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            Span<byte> frame = Frame(RpcCommand.GetTensor, TensorOffsetSize + 8);
            WriteTensorAndOffset(frame, tensor, offset);
            BinaryPrimitives.WriteUInt64LittleEndian(frame[(9 + TensorOffsetSize)..], (ulong)destination.Length);
            await SendAllAsync(_scratch.AsMemory(0, frame.Length), cancellationToken).ConfigureAwait(false);
            ulong size = await ReceiveSizeAsync((byte)RpcCommand.GetTensor, cancellationToken).ConfigureAwait(false);
            if (size != (ulong)destination.Length)
            {
                throw new RpcProtocolException((byte)RpcCommand.GetTensor,
                    $"reply of {size} bytes for a read of {destination.Length}");
            }
            await ReceiveExactAsync((byte)RpcCommand.GetTensor, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Fault(e);
            throw;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>COPY_TENSOR from <paramref name="source"/> into <paramref name="destination"/> (same server); false when the server declined.</summary>
    public Task<bool> CopyTensorAsync(RpcTensor source, RpcTensor destination, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.CopyTensor, 2 * RpcTensor.Size);
        source.Write(frame[9..]);
        destination.Write(frame[(9 + RpcTensor.Size)..]);
        return CallAsync(RpcCommand.CopyTensor, frame.Length, 1, RpcCommand.CopyTensor, ReadFlag, cancellationToken);
    }

    /// <summary>
    /// GRAPH_COMPUTE on <paramref name="device"/>: <paramref name="nodeIds"/> in execution order, and every tensor they
    /// reach (nodes, leaves, views). No reply.
    /// </summary>
    public Task GraphComputeAsync(uint device, IReadOnlyList<ulong> nodeIds, IReadOnlyList<RpcTensor> tensors,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        ArgumentNullException.ThrowIfNull(tensors);
        long payload = 12L + 8L * nodeIds.Count + (long)RpcTensor.Size * tensors.Count;
        if (payload > Array.MaxLength - ProtocolLimits.RequestHeaderSize)
        {
            throw new ArgumentException("The graph is too large for one request.", nameof(tensors));
        }
        Enter();
        Span<byte> frame = Frame(RpcCommand.GraphCompute, (int)payload);
        Span<byte> p = frame[9..];
        BinaryPrimitives.WriteUInt32LittleEndian(p, device);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], (uint)nodeIds.Count);
        int at = 8;
        for (int i = 0; i < nodeIds.Count; i++, at += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(p[at..], nodeIds[i]);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(p[at..], (uint)tensors.Count);
        at += 4;
        for (int i = 0; i < tensors.Count; i++, at += RpcTensor.Size)
        {
            tensors[i].Write(p[at..]);
        }
        return CallAsync(RpcCommand.GraphCompute, frame.Length, NoReply, 0, static (_, _) => true, cancellationToken);
    }

    /// <summary>GRAPH_RECOMPUTE: runs the graph last computed on <paramref name="device"/> again. No reply.</summary>
    public Task GraphRecomputeAsync(uint device, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.GraphRecompute, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[9..], device);
        return CallAsync(RpcCommand.GraphRecompute, frame.Length, NoReply, 0, static (_, _) => true, cancellationToken);
    }

    /// <summary>GET_DEVICE_MEMORY of <paramref name="device"/>.</summary>
    public Task<RpcDeviceMemory> GetDeviceMemoryAsync(uint device, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.GetDeviceMemory, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[9..], device);
        return CallAsync(RpcCommand.GetDeviceMemory, frame.Length, 16, 0, static (reply, _) => new RpcDeviceMemory(
            BinaryPrimitives.ReadUInt64LittleEndian(reply.Span), BinaryPrimitives.ReadUInt64LittleEndian(reply.Span[8..])),
            cancellationToken);
    }

    /// <summary>INIT_TENSOR.</summary>
    public Task InitTensorAsync(RpcTensor tensor, CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.InitTensor, RpcTensor.Size);
        tensor.Write(frame[9..]);
        return CallAsync(RpcCommand.InitTensor, frame.Length, 0, 0, static (_, _) => true, cancellationToken);
    }

    /// <summary>GET_ALLOC_SIZE of <paramref name="tensor"/> with up to ten sources (missing ones are sent as null tensors).</summary>
    public Task<ulong> GetAllocSizeAsync(uint device, RpcTensor tensor, IReadOnlyList<RpcTensor>? sources = null,
        CancellationToken cancellationToken = default)
    {
        int count = sources?.Count ?? 0;
        if (count > RpcTensor.MaxSrc)
        {
            throw new ArgumentException($"At most {RpcTensor.MaxSrc} sources.", nameof(sources));
        }
        Enter();
        Span<byte> frame = Frame(RpcCommand.GetAllocSize, 4 + (1 + RpcTensor.MaxSrc) * RpcTensor.Size);
        Span<byte> p = frame[9..];
        p.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(p, device);
        tensor.Write(p[4..]);
        for (int i = 0; i < count; i++)
        {
            sources![i].Write(p[(4 + (1 + i) * RpcTensor.Size)..]);
        }
        return CallAsync(RpcCommand.GetAllocSize, frame.Length, 8, 0,
            static (reply, _) => BinaryPrimitives.ReadUInt64LittleEndian(reply.Span), cancellationToken);
    }

    /// <summary>MEMSET_TENSOR: fills <paramref name="size"/> bytes at <paramref name="offset"/> in the tensor with <paramref name="value"/>.</summary>
    public Task MemsetTensorAsync(RpcTensor tensor, ulong offset, ulong size, byte value,
        CancellationToken cancellationToken = default)
    {
        Enter();
        Span<byte> frame = Frame(RpcCommand.MemsetTensor, TensorOffsetSize + 9);
        WriteTensorAndOffset(frame, tensor, offset);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[(9 + TensorOffsetSize)..], size);
        frame[9 + TensorOffsetSize + 8] = value;
        return CallAsync(RpcCommand.MemsetTensor, frame.Length, 0, 0, static (_, _) => true, cancellationToken);
    }

    private static bool ReadFlag(ReadOnlyMemory<byte> reply, RpcCommand command) => reply.Span[0] switch
    {
        0 => false,
        1 => true,
        byte other => throw new RpcProtocolException((byte)command, $"result byte {other}, expected 0 or 1"),
    };

    private static void WriteTensorAndOffset(Span<byte> frame, in RpcTensor tensor, ulong offset)
    {
        tensor.Write(frame[9..]);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[(9 + RpcTensor.Size)..], offset);
    }

    private int WriteTensorPrefix(in RpcTensor tensor, ulong offset, int dataLength)
    {
        Span<byte> frame = Frame(RpcCommand.SetTensor, TensorOffsetSize);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[1..], (ulong)TensorOffsetSize + (ulong)dataLength);
        WriteTensorAndOffset(frame, tensor, offset);
        return frame.Length;
    }

    private Task<ulong> DeviceQueryAsync(RpcCommand command, uint device, CancellationToken cancellationToken)
    {
        Enter();
        Span<byte> frame = Frame(command, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[9..], device);
        return CallAsync(command, frame.Length, 8, 0,
            static (reply, _) => BinaryPrimitives.ReadUInt64LittleEndian(reply.Span), cancellationToken);
    }

    /// <summary>
    /// Sends the request framed in <c>_scratch</c> (the caller has entered) and parses a reply of exactly
    /// <paramref name="replySize"/> bytes (<see cref="NoReply"/>: none is read).
    /// </summary>
    private async Task<T> CallAsync<TState, T>(RpcCommand command, int frameLength, int replySize, TState state,
        Func<ReadOnlyMemory<byte>, TState, T> parse, CancellationToken cancellationToken)
    {
        try
        {
            await SendAllAsync(_scratch.AsMemory(0, frameLength), cancellationToken).ConfigureAwait(false);
            ReadOnlyMemory<byte> reply = replySize == NoReply
                ? ReadOnlyMemory<byte>.Empty
                : await ReceiveFixedAsync(command, replySize, cancellationToken).ConfigureAwait(false);
            return parse(reply, state);
        }
        catch (Exception e)
        {
            Fault(e);
            throw;
        }
        finally
        {
            Exit();
        }
    }
}
