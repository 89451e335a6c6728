using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RpcWorker.Server.Transport;

namespace RpcWorker.Server;

/// <summary>
/// The ggml RPC worker server: listens on TCP, runs one <see cref="RpcSession"/> per connection (concurrently; graphs
/// from all sessions share one executor and run one at a time) and one memory budget for all buffers.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    private readonly ServerContext _context;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, ActiveSession> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private long _nextSessionId;
    private int _stopped;
    private bool _disposed;

    public RpcServer(ServerOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        Options = options;
        _context = new ServerContext(options, loggerFactory);
        _logger = _context.Logger;
    }

    public ServerOptions Options { get; }

    /// <summary>The bound endpoint (the real port when <see cref="ServerOptions.Port"/> is 0). Valid after <see cref="StartAsync"/>.</summary>
    public IPEndPoint LocalEndPoint =>
        (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("The server has not been started.");

    public int ActiveSessions => _sessions.Count;

    /// <summary>Bytes held by the buffers of all sessions.</summary>
    public ulong HeldBytes => _context.Held.Value;

    /// <summary>Compute threads of the shared executor.</summary>
    public int Threads => _context.Executor.Threads;

    /// <summary>Whether the compute threads run on fixed CPUs.</summary>
    public bool ThreadsPinned => _context.Executor.Pinned;

    /// <summary>The memory cap GET_DEVICE_MEMORY reports as total.</summary>
    public ulong MemoryCapacity => _context.Budget.Capacity;

    /// <summary>The tensor cache directory, or null when caching is off.</summary>
    public string? CacheDirectory => _context.Cache?.Directory;

    /// <summary>Binds and listens, then accepts connections in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }
        IPAddress address = await ResolveAsync(Options.Host, cancellationToken).ConfigureAwait(false);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(address, Options.Port));
            listener.Listen(Options.Backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        Log.Listening(_logger, listener.LocalEndPoint!);
        _accepting = AcceptLoopAsync(listener);
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? parsed))
        {
            return parsed;
        }
        IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.AcceptFailed(_logger, ex);
                continue;
            }
            StartSession(socket);
        }
    }

    private void StartSession(Socket socket)
    {
        try
        {
            Configure(socket);
        }
        catch (SocketException ex)
        {
            Log.AcceptFailed(_logger, ex);
            socket.Dispose();
            return;
        }
        long id = Interlocked.Increment(ref _nextSessionId);
        var connection = new SocketConnection(socket, _logger);
        var session = new RpcSession(id, _context, connection.Input, connection.Output, connection, connection);
        var active = new ActiveSession(connection);
        _sessions[id] = active;
        Log.SessionStarted(_logger, id, connection.RemoteEndPoint);
        if (_stopping.IsCancellationRequested)
        {
            connection.Abort();
        }
        active.Completion = RunSessionAsync(id, session, connection);
    }

    private async Task RunSessionAsync(long id, RpcSession session, SocketConnection connection)
    {
        try
        {
            await Task.Yield();
            await session.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            _sessions.TryRemove(id, out _);
        }
    }

    private void Configure(Socket socket)
    {
        socket.NoDelay = Options.TcpNoDelay;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Options.KeepAliveIdleSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Options.KeepAliveIntervalSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Options.KeepAliveCount);
        if (Options.ReceiveBufferBytes is { } receive)
        {
            socket.ReceiveBufferSize = receive;
        }
        if (Options.SendBufferBytes is { } send)
        {
            socket.SendBufferSize = send;
        }
    }

    /// <summary>Stops accepting, closes every session (freeing its buffers) and waits for them to end.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await WaitForSessionsAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _accepting.WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (ActiveSession session in _sessions.Values)
        {
            session.Connection.Abort();
        }
        await WaitForSessionsAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForSessionsAsync(CancellationToken cancellationToken)
    {
        while (!_sessions.IsEmpty)
        {
            Task[] running = [.. _sessions.Values.Select(s => s.Completion ?? Task.CompletedTask)];
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
            await Task.Yield();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        _context.Dispose();
        _stopping.Dispose();
    }

    private sealed class ActiveSession(SocketConnection connection)
    {
        public SocketConnection Connection { get; } = connection;

        public Task? Completion { get; set; }
    }
}
