using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RpcWorker.Server.Transport;

/// <summary>
/// One socket as an input pipe reader and an output pipe (Kestrel's socket transport, reduced). Input is read on demand
/// (<see cref="SocketReceiveStream"/>): the session's reads are the only receives, so a client streaming a huge
/// SET_TENSOR is held by TCP backpressure, and once the reader's buffer is drained the payload can be received straight
/// into the tensor (<see cref="ReceiveDirectAsync"/>). A pump sends the output pipe. Socket resets are the normal end of a
/// connection and complete the pipes.
/// </summary>
internal sealed class SocketConnection : IAsyncDisposable, IDirectInput
{
    public const int OutputPauseThreshold = 4 << 20;
    private const int MinimumSegment = 64 << 10;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly SocketReceiveStream _receive;
    private readonly PipeReader _input;
    private readonly Pipe _output;
    private Task _sending = Task.CompletedTask;
    private int _disposed;

    public SocketConnection(Socket socket, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
        _receive = new SocketReceiveStream(socket, logger);
        _input = PipeReader.Create(_receive, new StreamPipeReaderOptions(bufferSize: MinimumSegment, leaveOpen: true));
        _output = new Pipe(new PipeOptions(
            pauseWriterThreshold: OutputPauseThreshold,
            resumeWriterThreshold: OutputPauseThreshold / 2,
            minimumSegmentSize: MinimumSegment,
            useSynchronizationContext: false));
    }

    public PipeReader Input => _input;

    public PipeWriter Output => _output.Writer;

    public System.Net.EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    public void Start() => _sending = SendAsync();

    public ValueTask<int> ReceiveDirectAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
        _receive.ReadAsync(destination, cancellationToken);

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

    private async Task SendAsync()
    {
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await _socket.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Log.SocketError(_logger, "send", ex.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Completes the application side, lets queued output drain, then closes the socket and ends both loops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _sending.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.SocketError(_logger, "send", "peer stopped reading; dropping queued output");
        }
        Abort();
        await _sending.ConfigureAwait(false);
    }
}
