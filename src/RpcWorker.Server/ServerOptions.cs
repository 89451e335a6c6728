using System.ComponentModel.DataAnnotations;
using RpcWorker.Protocol;

namespace RpcWorker.Server;

/// <summary>Settings of the RPC worker server (section <c>RpcWorker</c>, env <c>RPCWORKER__X</c>, rpc-server style flags).</summary>
public sealed class ServerOptions
{
    public const string SectionName = "RpcWorker";

    /// <summary>Address to bind; loopback by default (the protocol has no authentication).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 50052;

    /// <summary>Compute threads; 0 = one per physical core.</summary>
    [Range(0, 4096)]
    public int Threads { get; set; }

    /// <summary>
    /// Run each compute thread on its own CPU (one per core first) where the process may use enough CPUs; otherwise
    /// the OS places them.
    /// </summary>
    public bool PinThreads { get; set; } = true;

    /// <summary>Memory cap in MiB reported and enforced for buffers; null = physical memory.</summary>
    [Range(1L, long.MaxValue / (1L << 20))]
    public long? MemoryMiB { get; set; }

    /// <summary>Directory of the SET_TENSOR_HASH file cache; null = no cache.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Cache size cap in MiB (least recently used files are evicted); null = unbounded.</summary>
    [Range(1L, long.MaxValue / (1L << 20))]
    public long? CacheMaxMiB { get; set; }

    public bool TcpNoDelay { get; set; } = true;

    [Range(1, 86400)]
    public int KeepAliveIdleSeconds { get; set; } = 300;

    [Range(1, 86400)]
    public int KeepAliveIntervalSeconds { get; set; } = 30;

    [Range(1, 127)]
    public int KeepAliveCount { get; set; } = 5;

    /// <summary>SO_RCVBUF in bytes; null = the OS default.</summary>
    [Range(1024, int.MaxValue)]
    public int? ReceiveBufferBytes { get; set; }

    /// <summary>SO_SNDBUF in bytes; null = the OS default.</summary>
    [Range(1024, int.MaxValue)]
    public int? SendBufferBytes { get; set; }

    [Range(1, 65535)]
    public int Backlog { get; set; } = 16;

    /// <summary>Largest GRAPH_COMPUTE payload accepted (it is buffered whole).</summary>
    [Range(12L, 1L << 30)]
    public long MaxGraphBytes { get; set; } = (long)FrameLimits.DefaultMaxGraphComputePayload;

    /// <summary>Largest SET_TENSOR payload accepted (it is streamed into the buffer, never held whole).</summary>
    [Range(304L, long.MaxValue)]
    public long MaxSetTensorBytes { get; set; } = (long)FrameLimits.DefaultMaxSetTensorPayload;

    /// <summary>
    /// Where <c>rpc-server -c</c> keeps its cache: <c>$LLAMA_CACHE/rpc</c>, else <c>$XDG_CACHE_HOME/llama.cpp/rpc</c> or
    /// <c>~/.cache/llama.cpp/rpc</c> (the local application data folder on Windows).
    /// </summary>
    public static string DefaultCacheDirectory()
    {
        string? llama = Environment.GetEnvironmentVariable("LLAMA_CACHE");
        if (!string.IsNullOrEmpty(llama))
        {
            return Path.Combine(llama, "rpc");
        }
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg) ? xdg
            : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "llama.cpp", "rpc");
    }

    /// <summary>The compute thread count after resolving 0.</summary>
    public int ResolveThreads() => Threads > 0 ? Threads : SystemInfo.PhysicalCores;

    /// <summary>The memory cap in bytes after resolving null.</summary>
    public ulong ResolveMemoryBytes() => MemoryMiB is { } mib ? (ulong)mib << 20 : SystemInfo.PhysicalMemoryBytes;
}
