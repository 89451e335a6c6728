using System.Globalization;
using RpcWorker.Server;

namespace RpcWorker.Host;

/// <summary>
/// Parses <c>rpc-server</c>-compatible flags into configuration keys of the <c>RpcWorker</c> section, so the command line
/// overrides appsettings.json and <c>RPCWORKER__X</c> environment variables through the same binding and validation.
/// </summary>
internal sealed class CommandLine
{
    private const string Section = ServerOptions.SectionName + ":";

    private CommandLine(Dictionary<string, string?> settings, bool showHelp, string? error)
    {
        Settings = settings;
        ShowHelp = showHelp;
        Error = error;
    }

    /// <summary>Configuration keys (<c>RpcWorker:Port</c>...) and their values.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    public bool ShowHelp { get; }

    /// <summary>Why the arguments were rejected, or null.</summary>
    public string? Error { get; }

    public const string Usage = """
        usage: rpc-worker [options]
               rpc-worker bench --rpc HOST:PORT [bench options]   (measure a worker; see rpc-worker bench --help)

        A ggml RPC worker (protocol 5.1.0) for llama.cpp --rpc, compatible with rpc-server.

        options:
          -h, --help                 show this help and exit
          -H, --host HOST            address to bind (default: 127.0.0.1)
          -p, --port PORT            port to bind (default: 50052; 0 picks a free port)
          -t, --threads N            compute threads (default: 0 = one per physical core)
              --pin [on|off]         run each compute thread on its own CPU (default: on)
          -m, --mem MIB              memory for buffers in MiB (default: physical memory)
          -c, --cache [DIR]          enable the tensor cache (default DIR: $LLAMA_CACHE/rpc or ~/.cache/llama.cpp/rpc)
              --cache-max MIB        evict least recently used cache files above this size
              --tcp-nodelay [on|off] disable Nagle's algorithm (default: on)
              --keepalive-idle S     seconds idle before TCP keepalive probes (default: 300)
              --keepalive-interval S seconds between keepalive probes (default: 30)
              --keepalive-count N    failed probes before the connection drops (default: 5)
              --recv-buffer BYTES    socket receive buffer (default: OS)
              --send-buffer BYTES    socket send buffer (default: OS)
              --backlog N            listen backlog (default: 16)
              --max-graph-bytes N    largest GRAPH_COMPUTE payload (default: 268435456)

        The same settings can come from appsettings.json (section "RpcWorker") or environment variables
        (RPCWORKER__PORT=50053); command-line flags win.
        """;

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            string? error = name switch
            {
                "-h" or "--help" => null,
                "-H" or "--host" => Take(nameof(ServerOptions.Host), Text),
                "-p" or "--port" => Take(nameof(ServerOptions.Port), Integer),
                "-t" or "--threads" => Take(nameof(ServerOptions.Threads), Integer),
                "-m" or "--mem" => Take(nameof(ServerOptions.MemoryMiB), Integer),
                "--cache-max" => Take(nameof(ServerOptions.CacheMaxMiB), Integer),
                "--keepalive-idle" => Take(nameof(ServerOptions.KeepAliveIdleSeconds), Integer),
                "--keepalive-interval" => Take(nameof(ServerOptions.KeepAliveIntervalSeconds), Integer),
                "--keepalive-count" => Take(nameof(ServerOptions.KeepAliveCount), Integer),
                "--recv-buffer" => Take(nameof(ServerOptions.ReceiveBufferBytes), Integer),
                "--send-buffer" => Take(nameof(ServerOptions.SendBufferBytes), Integer),
                "--backlog" => Take(nameof(ServerOptions.Backlog), Integer),
                "--max-graph-bytes" => Take(nameof(ServerOptions.MaxGraphBytes), Integer),
                "-c" or "--cache" => TakeOptional(nameof(ServerOptions.CacheDirectory), Text, ServerOptions.DefaultCacheDirectory()),
                "--tcp-nodelay" => TakeOptional(nameof(ServerOptions.TcpNoDelay), Switch, "true"),
                "--pin" => TakeOptional(nameof(ServerOptions.PinThreads), Switch, "true"),
                _ => $"unknown argument '{arg}'",
            };
            if (name is "-h" or "--help")
            {
                return new CommandLine(settings, showHelp: true, error: null);
            }
            if (error is not null)
            {
                return new CommandLine(settings, showHelp: false, error);
            }

            string? Take(string key, Func<string, string?> convert)
            {
                string? value = inline;
                if (value is null)
                {
                    if (i + 1 >= args.Count)
                    {
                        return $"{name} needs a value";
                    }
                    value = args[++i];
                }
                string? converted = convert(value);
                if (converted is null)
                {
                    return $"{name}: '{value}' is not a valid value";
                }
                settings[Section + key] = converted;
                return null;
            }

            string? TakeOptional(string key, Func<string, string?> convert, string fallback)
            {
                if (inline is null && (i + 1 >= args.Count || args[i + 1].StartsWith('-')))
                {
                    settings[Section + key] = fallback;
                    return null;
                }
                return Take(key, convert);
            }
        }
        return new CommandLine(settings, showHelp: false, error: null);
    }

    private static string? Text(string value) => value.Length == 0 ? null : value;

    private static string? Integer(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n.ToString(CultureInfo.InvariantCulture) : null;

    private static string? Switch(string value) => value.ToLowerInvariant() switch
    {
        "on" or "true" or "1" or "yes" => "true",
        "off" or "false" or "0" or "no" => "false",
        _ => null,
    };
}
