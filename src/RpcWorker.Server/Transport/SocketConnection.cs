using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RpcWorker.Server.Transport;

/// <summary>
/// One socket as the session's input pipe reader and output pipe writer, both over a <see cref="SocketStream"/> and both
/// driven by the session itself: its reads are the only receives, so a client streaming a huge SET_TENSOR is held by TCP
/// backpressure and, once the reader's buffer is drained, the payload can be received straight into the tensor
/// (<see cref="ReceiveDirectAsync"/>); its flushes send, so a response leaves without a hop to another thread, and a
/// large GET_TENSOR answer is sent straight from the tensor (<see cref="SendDirectAsync"/>). Socket
/// resets are the normal end of a connection.
/// </summary>
internal sealed class SocketConnection : IAsyncDisposable, IDirectInput, IDirectOutput
{
    private const int MinimumSegment = 64 << 10;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly SocketStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private int _disposed;

    public SocketConnection(Socket socket, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
        _stream = new SocketStream(socket, logger);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: MinimumSegment, leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: MinimumSegment, leaveOpen: true));
    }

    public PipeReader Input => _input;

    public PipeWriter Output => _output;

    public System.Net.EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    public ValueTask<int> ReceiveDirectAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
        _stream.ReadAsync(destination, cancellationToken);

    public ValueTask SendDirectAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken) =>
        _stream.WriteAsync(source, cancellationToken);

    /// <summary>Cuts the connection now (server shutdown): pending receives and sends fail and the pipes complete.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Log.SocketError(_logger, "abort", ex.Message);
        }
        _socket.Dispose();
    }

    /// <summary>Completes both pipes, letting unsent output drain for a while, then closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _input.CompleteAsync().ConfigureAwait(false);
        Task completing = _output.CompleteAsync().AsTask();
        try
        {
            await completing.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.SocketError(_logger, "send", "peer stopped reading; dropping queued output");
        }
        Abort();
        await completing.ConfigureAwait(false);
    }
}
