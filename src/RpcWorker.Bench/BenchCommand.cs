using RpcWorker.Bench.Sections;
using RpcWorker.Client;
using RpcWorker.Protocol;

namespace RpcWorker.Bench;

/// <summary>
/// <c>rpc-worker bench</c>: measures any ggml RPC 5.1.0 server (ours or the C++ one) — latency, transfer throughput,
/// MUL_MAT compute and a synthetic transformer stack.
/// </summary>
public static class BenchCommand
{
    /// <summary>Runs the benchmark with command-line <paramref name="args"/> (after "bench"); returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        BenchOptions? options = BenchOptions.Parse(args, out string? error);
        if (options is null)
        {
            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        var progress = new ProgressDisplay();
        var context = new BenchContext(options, progress, cancellationToken);
        string server = $"{options.Host}:{options.Port}";
        try
        {
            await using (RpcClient probe = await RpcClient.ConnectAsync(options.Host, options.Port, cancellationToken))
            {
                ProtocolVersion version = await probe.HelloAsync(cancellationToken);
                server += $" (protocol {version})";
            }
            IBenchSection[] sections = [new LatencySection(), new TransferSection(), new MatMulSection(), new TransformerBlockSection()];
            foreach (IBenchSection section in sections.Where(s => options.Sections.Contains(s.Name)))
            {
                await section.RunAsync(context);
            }
        }
        catch (OperationCanceledException)
        {
            progress.Clear();
            Console.Error.WriteLine("interrupted; results so far:");
            Report(options, server, context.Results);
            return 130;
        }
        catch (Exception ex) when (ex is RpcConnectionClosedException or RpcProtocolException or IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            progress.Clear();
            Console.Error.WriteLine($"error: {ex.Message}");
            Report(options, server, context.Results);
            return 1;
        }
        progress.Clear();
        Report(options, server, context.Results);
        return 0;
    }

    private static void Report(BenchOptions options, string server, IReadOnlyList<BenchResult> results)
    {
        if (options.Json)
        {
            using Stream stdout = Console.OpenStandardOutput();
            ReportWriter.WriteJson(stdout, server, results);
            Console.WriteLine();
        }
        else
        {
            ReportWriter.WriteTable(Console.Out, server, results);
        }
    }
}
