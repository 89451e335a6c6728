using System.Globalization;
using RpcWorker.Compute;

namespace RpcWorker.Bench;

/// <summary>Command line of <c>rpc-worker bench</c>.</summary>
internal sealed class BenchOptions
{
    public static readonly string[] AllSections = ["latency", "transfer", "matmul", "block"];

    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; } = 50052;

    public HashSet<string> Sections { get; private set; } = [.. AllSections];

    public GgmlType Type { get; private set; } = GgmlType.Q4_0;

    public long K { get; private set; } = 4096;

    public long N { get; private set; } = 4096;

    public long Batch { get; private set; } = 512;

    public long MaxTransferBytes { get; private set; } = 1L << 30;

    public long Embd { get; private set; } = 2048;

    public long Heads { get; private set; } = 32;

    public long KvHeads { get; private set; } = 4;

    public long FeedForward { get; private set; } = 5632;

    public int Layers { get; private set; } = 2;

    public long Context { get; private set; } = 512;

    public double Seconds { get; private set; } = 2.0;

    public bool Json { get; private set; }

    public static string Usage =>
        """
        usage: rpc-worker bench --rpc HOST:PORT [options]
          --rpc HOST:PORT        worker to measure (ours or the C++ rpc-server; protocol 5.1.0)
          --sections LIST        comma list of latency,transfer,matmul,block (default: all)
          --type T               weight type for matmul and block: f32, f16, bf16, q4_0, q8_0, q4_k, q6_k, ... (default q4_0)
          --k K --n N            matmul shape: weights K x N (default 4096 x 4096)
          --batch M              prefill batch for matmul and block (default 512)
          --max-transfer-mib S   largest SET/GET_TENSOR size (default 1024)
          --embd E --heads H --kv-heads HKV --ff F --layers L --ctx C
                                 synthetic transformer block shape (default 2048, 32, 4, 5632, 2 layers, ctx 512)
          --seconds S            time spent per measurement (default 2)
          --json                 print the results as JSON instead of a table
        """;

    /// <summary>Parses arguments; returns null and an error message when they are invalid.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var o = new BenchOptions();
        error = null;
        bool haveRpc = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next()
            {
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{a} needs a value");
                }
                return args[++i];
            }
            try
            {
                switch (a)
                {
                    case "--rpc":
                        (o.Host, o.Port) = ParseEndpoint(Next());
                        haveRpc = true;
                        break;
                    case "--sections":
                        o.Sections = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                        foreach (string s in o.Sections)
                        {
                            if (!AllSections.Contains(s))
                            {
                                throw new FormatException($"unknown section '{s}'");
                            }
                        }
                        break;
                    case "--type":
                        o.Type = ParseType(Next());
                        break;
                    case "--k": o.K = Positive(Next(), a); break;
                    case "--n": o.N = Positive(Next(), a); break;
                    case "--batch": o.Batch = Positive(Next(), a); break;
                    case "--max-transfer-mib": o.MaxTransferBytes = checked(Positive(Next(), a) << 20); break;
                    case "--embd": o.Embd = Positive(Next(), a); break;
                    case "--heads": o.Heads = Positive(Next(), a); break;
                    case "--kv-heads": o.KvHeads = Positive(Next(), a); break;
                    case "--ff": o.FeedForward = Positive(Next(), a); break;
                    case "--layers": o.Layers = checked((int)Positive(Next(), a)); break;
                    case "--ctx": o.Context = Positive(Next(), a); break;
                    case "--seconds":
                        o.Seconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                        if (o.Seconds <= 0)
                        {
                            throw new FormatException("--seconds must be positive");
                        }
                        break;
                    case "--json": o.Json = true; break;
                    default: throw new FormatException($"unknown option '{a}'");
                }
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                error = ex.Message;
                return null;
            }
        }
        if (!haveRpc)
        {
            error = "--rpc HOST:PORT is required";
            return null;
        }
        if (o.Embd % o.Heads != 0 || o.Heads % o.KvHeads != 0)
        {
            error = "--embd must be a multiple of --heads, and --heads of --kv-heads";
            return null;
        }
        int block = TypeTraits.BlockSize(o.Type);
        if (o.K % block != 0 || o.Embd % block != 0 || o.FeedForward % block != 0)
        {
            error = $"--k, --embd and --ff must be multiples of {block} for {TypeTraits.Get(o.Type).Name}";
            return null;
        }
        return o;
    }

    private static (string Host, int Port) ParseEndpoint(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new FormatException($"--rpc expects HOST:PORT, got '{value}'");
        }
        return (value[..colon], port);
    }

    private static GgmlType ParseType(string value)
    {
        foreach (GgmlType t in Enum.GetValues<GgmlType>())
        {
            if (string.Equals(t.ToString(), value, StringComparison.OrdinalIgnoreCase))
            {
                return t;
            }
        }
        throw new FormatException($"unknown type '{value}'");
    }

    private static long Positive(string value, string name)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v <= 0)
        {
            throw new FormatException($"{name} expects a positive integer, got '{value}'");
        }
        return v;
    }
}
