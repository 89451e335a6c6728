using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RpcWorker.Protocol;

namespace RpcWorker.Client;

/// <summary>
/// A client of one ggml RPC server connection (protocol 5.1.0). Every reply is checked against the protocol: a reply of
/// the wrong size or with an impossible value throws <see cref="RpcProtocolException"/>, and after any failure the
/// connection is closed (the stream position is unknown). One call at a time: concurrent calls throw.
/// </summary>
public sealed partial class RpcClient : IAsyncDisposable, IDisposable
{
    /// <summary>Requests up to this size are framed into one send; larger payloads are sent straight from caller memory.</summary>
    private const int CoalesceLimit = 64 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _reply = new byte[32];
    private byte[] _scratch = new byte[ProtocolLimits.RequestHeaderSize + 4 + 11 * RpcTensor.Size];
    private int _busy;
    private bool _faulted;

    private RpcClient(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Largest reply payload accepted by <see cref="SendAsync(byte, ReadOnlyMemory{byte}, bool, CancellationToken)"/>.</summary>
    public long MaxResponseSize { get; set; } = Array.MaxLength;

    /// <summary>True once the connection was closed by a failure or by <see cref="Dispose"/>.</summary>
    public bool IsFaulted => _faulted;

    internal Socket Socket => _socket;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> with TCP_NODELAY (no HELLO is sent).</summary>
    public static async Task<RpcClient> ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        IPAddress[] ordered = [.. addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork),
            .. addresses.Where(a => a.AddressFamily != AddressFamily.InterNetwork)];
        if (ordered.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        SocketException? last = null;
        foreach (IPAddress address in ordered)
        {
            try
            {
                return await ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>Connects to <paramref name="endPoint"/> with TCP_NODELAY (no HELLO is sent).</summary>
    public static async Task<RpcClient> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new RpcClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one request with <paramref name="payload"/> exactly as given and, when <paramref name="expectResponse"/>,
    /// returns the reply payload (empty for an empty reply); returns null otherwise. No content checks are made.
    /// </summary>
    public Task<byte[]?> SendAsync(RpcCommand command, ReadOnlyMemory<byte> payload, bool expectResponse,
        CancellationToken cancellationToken = default) =>
        SendAsync((byte)command, payload, expectResponse, cancellationToken);

    /// <inheritdoc cref="SendAsync(RpcCommand, ReadOnlyMemory{byte}, bool, CancellationToken)"/>
    public async Task<byte[]?> SendAsync(byte command, ReadOnlyMemory<byte> payload, bool expectResponse,
        CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            await SendRequestAsync(command, payload, cancellationToken).ConfigureAwait(false);
            if (!expectResponse)
            {
                return null;
            }
            ulong size = await ReceiveSizeAsync(command, cancellationToken).ConfigureAwait(false);
            if (size > (ulong)MaxResponseSize)
            {
                throw Fault(new RpcProtocolException(command, $"reply of {size} bytes exceeds the limit of {MaxResponseSize}"));
            }
            var result = new byte[(int)size];
            await ReceiveExactAsync(command, result, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (e is not RpcProtocolException)
        {
            Fault(e);
            throw;
        }
        finally
        {
            Exit();
        }
    }

    public void Dispose()
    {
        _faulted = true;
        _socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_faulted, this);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("RpcClient serves one call at a time.");
        }
    }

    private void Exit() => Volatile.Write(ref _busy, 0);

    private TException Fault<TException>(TException e)
        where TException : Exception
    {
        _faulted = true;
        _socket.Dispose();
        return e;
    }

    /// <summary>Scratch space for a request of <paramref name="payloadSize"/> bytes, header included.</summary>
    private Span<byte> Frame(RpcCommand command, int payloadSize)
    {
        int total = ProtocolLimits.RequestHeaderSize + payloadSize;
        if (_scratch.Length < total)
        {
            _scratch = new byte[total];
        }
        Span<byte> frame = _scratch.AsSpan(0, total);
        frame[0] = (byte)command;
        BinaryPrimitives.WriteUInt64LittleEndian(frame[1..], (ulong)payloadSize);
        return frame;
    }

    private async Task SendRequestAsync(byte command, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        int header = ProtocolLimits.RequestHeaderSize;
        if (payload.Length <= CoalesceLimit)
        {
            if (_scratch.Length < header + payload.Length)
            {
                _scratch = new byte[header + payload.Length];
            }
            _scratch[0] = command;
            BinaryPrimitives.WriteUInt64LittleEndian(_scratch.AsSpan(1), (ulong)payload.Length);
            payload.Span.CopyTo(_scratch.AsSpan(header));
            await SendAllAsync(_scratch.AsMemory(0, header + payload.Length), cancellationToken).ConfigureAwait(false);
            return;
        }
        _scratch[0] = command;
        BinaryPrimitives.WriteUInt64LittleEndian(_scratch.AsSpan(1), (ulong)payload.Length);
        await SendAllAsync(_scratch.AsMemory(0, header), cancellationToken).ConfigureAwait(false);
        await SendAllAsync(payload, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private async ValueTask<ulong> ReceiveSizeAsync(byte command, CancellationToken cancellationToken)
    {
        await ReceiveExactAsync(command, _reply.AsMemory(0, ProtocolLimits.ResponseHeaderSize), cancellationToken)
            .ConfigureAwait(false);
        return BinaryPrimitives.ReadUInt64LittleEndian(_reply);
    }

    private async ValueTask ReceiveExactAsync(byte command, Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (!destination.IsEmpty)
        {
            int read = await _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw Fault(new RpcConnectionClosedException(command, "the server closed the connection"));
            }
            destination = destination[read..];
        }
    }

    /// <summary>Receives a reply that must be exactly <paramref name="expectedSize"/> bytes into <c>_reply</c>.</summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReceiveFixedAsync(RpcCommand command, int expectedSize,
        CancellationToken cancellationToken)
    {
        ulong size = await ReceiveSizeAsync((byte)command, cancellationToken).ConfigureAwait(false);
        if (size != (ulong)expectedSize)
        {
            throw Fault(new RpcProtocolException((byte)command, $"reply of {size} bytes, expected {expectedSize}"));
        }
        Memory<byte> reply = _reply.AsMemory(0, expectedSize);
        await ReceiveExactAsync((byte)command, reply, cancellationToken).ConfigureAwait(false);
        return reply;
    }
}
