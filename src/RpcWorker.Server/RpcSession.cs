using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using RpcWorker.Compute.Execution;
using RpcWorker.Protocol;
using RpcWorker.Server.Graphs;
using RpcWorker.Server.Handlers;
using RpcWorker.Server.Memory;
using RpcWorker.Server.Transport;

namespace RpcWorker.Server;

/// <summary>
/// One client connection: reads request frames in order, dispatches each to its handler and flushes the response. HELLO
/// must come first and only once. Any violation logs a warning and ends only this session; ending a session frees every
/// buffer it allocated (ggml's per-connection <c>rpc_server</c> destructor).
/// </summary>
internal sealed class RpcSession
{
    /// <summary>Payloads up to this size are awaited in the pipe; larger ones are drained into a pooled array.</summary>
    private const int SmallPayload = 64 << 10;

    private readonly ILogger _logger;
    private StoredGraph? _graphWorkspace;
    private BufferMemory? _receiveMemory;
    private BufferMemory? _sendMemory;
    private bool _helloDone;

    public RpcSession(long id, ServerContext context, PipeReader input, PipeWriter output, IDirectInput? directInput = null,
        IDirectOutput? directOutput = null)
    {
        Id = id;
        Context = context;
        Input = input;
        Output = output;
        DirectInput = directInput;
        DirectOutput = directOutput;
        _logger = context.Logger;
        Buffers = new BufferTable(context.Budget, context.Held);
    }

    public long Id { get; }

    public ServerContext Context { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Receives payload bytes past the pipe once it is drained (null: everything comes through <see cref="Input"/>).</summary>
    public IDirectInput? DirectInput { get; }

    /// <summary>The memory a direct receive lands in (created by the first one).</summary>
    public BufferMemory ReceiveMemory => _receiveMemory ??= new BufferMemory();

    /// <summary>Sends large responses past the pipe once it is flushed (null: everything goes through <see cref="Output"/>).</summary>
    public IDirectOutput? DirectOutput { get; }

    /// <summary>The memory a direct send leaves from (created by the first one).</summary>
    public BufferMemory SendMemory => _sendMemory ??= new BufferMemory();

    public BufferTable Buffers { get; }

    /// <summary>The graph GRAPH_RECOMPUTE re-runs (device 0, the only device); null when there is none.</summary>
    public StoredGraph? StoredGraph { get; set; }

    /// <summary>The graph workspace GRAPH_COMPUTE rebuilds in place (created by the first graph).</summary>
    public StoredGraph GraphWorkspace => _graphWorkspace ??= new StoredGraph();

    /// <summary>Closes the session unless <paramref name="device"/> is an exposed device.</summary>
    public void CheckDevice(uint device)
    {
        if (device >= ServerContext.DeviceCount)
        {
            throw new RpcProtocolException($"device {device} does not exist (devices: {ServerContext.DeviceCount})");
        }
    }

    /// <summary>A buffer of this session, or a violation for any other handle.</summary>
    public RemoteBuffer GetBuffer(ulong handle) =>
        Buffers.TryGet(handle, out RemoteBuffer? buffer)
            ? buffer
            : throw new RpcProtocolException($"buffer 0x{handle:x} is not a buffer of this session");

    /// <summary>Drops the stored graph if it points into <paramref name="buffer"/> (which is about to be freed).</summary>
    public void ForgetGraphsUsing(RemoteBuffer buffer)
    {
        if (StoredGraph is { } stored && stored.Uses(buffer))
        {
            StoredGraph = null;
        }
    }

    /// <summary>Serves requests until the client leaves, breaks the protocol or the server stops; then frees everything.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        RpcCommand command = RpcCommand.Hello;
        try
        {
            while (true)
            {
                ReadResult result = await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                FrameReadStatus status = Context.Frames.TryReadHeader(buffer, out RequestHeader header, out FrameError error);
                if (status == FrameReadStatus.NeedMoreData)
                {
                    if (result.IsCompleted)
                    {
                        if (buffer.IsEmpty)
                        {
                            Log.ClientDisconnected(_logger, Id);
                        }
                        else
                        {
                            Log.TruncatedRequest(_logger, Id, (RpcCommand)buffer.FirstSpan[0]);
                        }
                        Input.AdvanceTo(buffer.End);
                        return;
                    }
                    Input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
                if (status == FrameReadStatus.Invalid)
                {
                    Log.InvalidFrame(_logger, Id, buffer.FirstSpan[0], error);
                    Input.AdvanceTo(buffer.Start);
                    return;
                }
                command = header.Command;
                Log.Request(_logger, Id, command, header.PayloadSize);
                if (!_helloDone && command != RpcCommand.Hello)
                {
                    Log.CommandBeforeHello(_logger, Id, command);
                    Input.AdvanceTo(buffer.Start);
                    return;
                }
                if (_helloDone && command == RpcCommand.Hello)
                {
                    Input.AdvanceTo(buffer.Start);
                    throw new RpcProtocolException("a second HELLO on the same connection");
                }
                if (!await DispatchAsync(header, buffer, cancellationToken).ConfigureAwait(false))
                {
                    Log.TruncatedRequest(_logger, Id, command);
                    return;
                }
                _helloDone = true;
                if (Output.UnflushedBytes > 0)
                {
                    FlushResult flush = await Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        Log.ClientDisconnected(_logger, Id);
                        return;
                    }
                }
            }
        }
        catch (RpcProtocolException ex)
        {
            Log.ProtocolViolation(_logger, Id, command, ex.Message);
        }
        catch (UnsupportedOpException ex)
        {
            Log.UnsupportedOp(_logger, Id, ex.Message);
        }
        catch (ComputeException ex)
        {
            Log.ComputeFailed(_logger, Id, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.SessionStopping(_logger, Id);
        }
        catch (Exception ex)
        {
            Log.SessionCrashed(_logger, Id, ex);
        }
        finally
        {
            StoredGraph = null;
            int count = Buffers.Count;
            ulong bytes = Buffers.Bytes;
            Buffers.Dispose();
            Log.SessionEnded(_logger, Id, count, bytes);
        }
    }

    /// <summary>Runs one request; false when the client disconnected before its payload ended.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DispatchAsync(RequestHeader header, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        if (CommandTable.Streaming(header.Command) is { } streaming)
        {
            Input.AdvanceTo(buffer.GetPosition(ProtocolLimits.RequestHeaderSize));
            return await streaming.HandleAsync(this, header, cancellationToken).ConfigureAwait(false);
        }
        ICommandHandler handler = CommandTable.Buffered(header.Command)!;
        // Bounded by the header check: fixed sizes are tiny and GRAPH_COMPUTE is capped far below 2 GiB.
        int payloadSize = checked((int)header.PayloadSize);
        int frameSize = checked(ProtocolLimits.RequestHeaderSize + payloadSize);
        if (buffer.Length >= frameSize)
        {
            ReadOnlySequence<byte> payload = buffer.Slice(ProtocolLimits.RequestHeaderSize, payloadSize);
            try
            {
                await handler.HandleAsync(this, payload, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Input.AdvanceTo(payload.End);
            }
            return true;
        }
        if (payloadSize <= SmallPayload)
        {
            // The client may send the header and the payload separately: keep everything seen and wait for the rest.
            Input.AdvanceTo(buffer.Start, buffer.End);
            ReadResult result = await PipeReading.ReadAtLeastAsync(Input, frameSize, cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length < frameSize)
            {
                Input.AdvanceTo(result.Buffer.End);
                return false;
            }
            return await DispatchAsync(header, result.Buffer, cancellationToken).ConfigureAwait(false);
        }
        // A large payload (GRAPH_COMPUTE) is drained into one pooled array as it arrives, so the pipe never has to hold
        // all of it.
        Input.AdvanceTo(buffer.GetPosition(ProtocolLimits.RequestHeaderSize));
        byte[] rented = ArrayPool<byte>.Shared.Rent(payloadSize);
        try
        {
            int filled = 0;
            while (filled < payloadSize)
            {
                ReadResult result = await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> chunk = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, payloadSize - filled));
                chunk.CopyTo(rented.AsSpan(filled));
                filled += (int)chunk.Length;
                Input.AdvanceTo(chunk.End);
                if (filled < payloadSize && result.IsCompleted)
                {
                    return false;
                }
            }
            await handler.HandleAsync(this, new ReadOnlySequence<byte>(rented, 0, payloadSize), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return true;
    }
}
