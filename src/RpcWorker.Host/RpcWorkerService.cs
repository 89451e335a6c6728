using System.Net;
using System.Runtime.Intrinsics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RpcWorker.Protocol;
using RpcWorker.Server;

namespace RpcWorker.Host;

/// <summary>Runs the <see cref="RpcServer"/> for the lifetime of the host; binding failures fail the host's start.</summary>
internal sealed class RpcWorkerService : BackgroundService
{
    private readonly ServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TextWriter _console;
    private RpcServer? _server;

    public RpcWorkerService(IOptions<ServerOptions> options, ILoggerFactory loggerFactory, TextWriter console)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RpcWorkerService>();
        _console = console;
    }

    /// <summary>The running server (after start).</summary>
    public RpcServer? Server => _server;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!IsLoopback(_options.Host))
        {
            Log.NotLoopback(_logger, _options.Host);
        }
        var server = new RpcServer(_options, _loggerFactory);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _server = server;
        await _console.WriteAsync(Banner(server)).ConfigureAwait(false);
        await _console.FlushAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken)
        .ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_server is { } server)
        {
            Log.Stopping(_logger);
            await server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
    }

    internal static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));

    /// <summary>The start-up summary, in the spirit of rpc-server's.</summary>
    internal static string Banner(RpcServer server)
    {
        string simd = Vector512.IsHardwareAccelerated ? "512-bit (Vector512)"
            : Vector256.IsHardwareAccelerated ? "256-bit (Vector256)"
            : Vector128.IsHardwareAccelerated ? "128-bit (Vector128)"
            : "none (scalar)";
        return $"""
            Starting RPC worker, protocol {ProtocolVersion.Current}
              endpoint       : {server.LocalEndPoint}
              threads        : {server.Threads}{(server.ThreadsPinned ? ", one per CPU" : "")}
              memory         : {server.MemoryCapacity >> 20} MiB
              local cache    : {server.CacheDirectory ?? "n/a"}
              SIMD           : {simd}
            Devices:
              CPU: {server.MemoryCapacity >> 20} MiB

            """;
    }
}
