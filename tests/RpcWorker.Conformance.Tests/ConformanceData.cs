namespace RpcWorker.Conformance.Tests;

/// <summary>
/// Where the conformance transcripts are: <c>RPCWORKER_CONFORMANCE_DIR</c>, else <c>../shared/conformance</c> next to the
/// directory holding RpcWorker.sln. When CI=true a missing directory is a failure, otherwise the replay tests skip.
/// </summary>
internal static class ConformanceData
{
    public const string MissingMarker = "(conformance directory missing)";

    private static readonly Lazy<string> s_directory = new(Locate);
    private static readonly Lazy<ToleranceIndex> s_index = new(() => ToleranceIndex.Load(Path.Combine(Directory, "INDEX.md")));

    public static string Directory => s_directory.Value;

    public static bool Exists => System.IO.Directory.Exists(Directory) && File.Exists(Path.Combine(Directory, "INDEX.md"));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static ToleranceIndex Index => s_index.Value;

    /// <summary>Transcript file names, sorted; when the directory is missing, one marker row (which fails under CI).</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (!Exists)
        {
            data.Add(MissingMarker);
            return data;
        }
        foreach (string path in System.IO.Directory.GetFiles(Directory, "*.rpct").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }
        return data;
    }

    public static string PathOf(string fileName) => Path.Combine(Directory, fileName);

    private static string Locate()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("RPCWORKER_CONFORMANCE_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RpcWorker.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance"));
            }
        }
        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "shared", "conformance"));
    }
}
