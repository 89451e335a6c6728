using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RpcWorker.Server.Transport;

/// <summary>
/// Pumps one socket into an input pipe and an output pipe into the socket (Kestrel's socket transport, reduced). The input
/// pipe pauses the receive loop at <see cref="InputPauseThreshold"/> bytes, so a client streaming a huge SET_TENSOR is held
/// by TCP backpressure instead of pipe memory. Socket resets are the normal end of a connection and complete the pipes.
/// </summary>
internal sealed class SocketConnection : IAsyncDisposable
{
    public const int InputPauseThreshold = 4 << 20;
    public const int OutputPauseThreshold = 4 << 20;
    private const int MinimumSegment = 64 << 10;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _disposed;

    public SocketConnection(Socket socket, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
        _input = new Pipe(new PipeOptions(
            pauseWriterThreshold: InputPauseThreshold,
            resumeWriterThreshold: InputPauseThreshold / 2,
            minimumSegmentSize: MinimumSegment,
            useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(
            pauseWriterThreshold: OutputPauseThreshold,
            resumeWriterThreshold: OutputPauseThreshold / 2,
            minimumSegmentSize: MinimumSegment,
            useSynchronizationContext: false));
    }

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output.Writer;

    public System.Net.EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    public void Start()
    {
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

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

    private async Task ReceiveAsync()
    {
        PipeWriter writer = _input.Writer;
        try
        {
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(MinimumSegment);
                int received = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break;
                }
                writer.Advance(received);
                FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Log.SocketError(_logger, "receive", ex.Message);
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
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
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
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
        await _receiving.ConfigureAwait(false);
    }
}
