using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace RpcWorker.Server.Transport;

/// <summary>
/// A socket as the stream under the session's input pipe reader and output pipe writer. Bytes are received only when the
/// session asks for more, so once the reader's buffer is drained the socket stands at the next unread byte and a handler
/// may receive a payload straight into its destination; responses are sent by the session's own flush, with no hand-off
/// to another thread. A reset or closed socket reads as the end of the stream (that is how connections normally end), and
/// output for a peer that is gone is dropped: the session then sees the end of its input.
/// </summary>
internal sealed class SocketStream(Socket socket, ILogger logger) : Stream
{
    private bool _sendFailed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Log.SocketError(logger, "receive", ex.Message);
            return 0;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return socket.Receive(buffer, SocketFlags.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Log.SocketError(logger, "receive", ex.Message);
            return 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_sendFailed)
        {
            return;
        }
        try
        {
            while (!buffer.IsEmpty)
            {
                int sent = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                buffer = buffer[sent..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Log.SocketError(logger, "send", ex.Message);
            _sendFailed = true;
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!_sendFailed && !buffer.IsEmpty)
        {
            try
            {
                buffer = buffer[socket.Send(buffer, SocketFlags.None)..];
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Log.SocketError(logger, "send", ex.Message);
                _sendFailed = true;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
}
