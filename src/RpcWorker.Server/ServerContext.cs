using Microsoft.Extensions.Logging;
using RpcWorker.Compute;
using RpcWorker.Compute.Execution;
using RpcWorker.Protocol;
using RpcWorker.Server.Caching;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server;

/// <summary>What all sessions of one server share: options, the memory budget, the executor, the cache and counters.</summary>
internal sealed class ServerContext : IDisposable
{
    /// <summary>Alignment reported by GET_ALIGNMENT (ggml's TENSOR_ALIGNMENT).</summary>
    public const ulong Alignment = 32;

    /// <summary>Devices exposed: the CPU alone.</summary>
    public const uint DeviceCount = 1;

    public ServerContext(ServerOptions options, ILoggerFactory loggerFactory)
    {
        Options = options;
        Logger = loggerFactory.CreateLogger("RpcWorker.Server");
        Budget = new MemoryBudget(options.ResolveMemoryBytes());
        MaxAllocationSize = options.MemoryMiB is null ? ulong.MaxValue : Budget.Capacity;
        Frames = new FrameReader(new FrameLimits
        {
            MaxGraphComputePayload = (ulong)options.MaxGraphBytes,
            MaxSetTensorPayload = (ulong)options.MaxSetTensorBytes,
        });
        Executor = new GraphExecutor(options.ResolveThreads(), Budget, options.PinThreads);
        if (options.CacheDirectory is { } dir)
        {
            Cache = new TensorCache(dir, options.CacheMaxMiB is { } mib ? (ulong)mib << 20 : null, Logger);
        }
    }

    public ServerOptions Options { get; }

    public ILogger Logger { get; }

    public MemoryBudget Budget { get; }

    /// <summary>GET_MAX_SIZE: SIZE_MAX like ggml-cpu, or the memory cap when one was given.</summary>
    public ulong MaxAllocationSize { get; }

    public FrameReader Frames { get; }

    public GraphExecutor Executor { get; }

    public TensorCache? Cache { get; }

    public HeldBytesCounter Held { get; } = new();

    public void Dispose() => Executor.Dispose();
}
