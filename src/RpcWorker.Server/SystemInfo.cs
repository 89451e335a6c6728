namespace RpcWorker.Server;

/// <summary>Facts about the machine used for defaults: physical cores and physical (or container-limited) memory.</summary>
public static class SystemInfo
{
    private static readonly Lazy<int> s_physicalCores = new(CountPhysicalCores);

    /// <summary>Physical cores available to this process (hyper-threads counted once), at least 1.</summary>
    public static int PhysicalCores => s_physicalCores.Value;

    /// <summary>Memory the runtime may use: physical RAM, or the container limit when lower.</summary>
    public static ulong PhysicalMemoryBytes => (ulong)Math.Max(1L, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    private static int CountPhysicalCores()
    {
        int logical = Environment.ProcessorCount;
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo"))
            {
                return logical;
            }
            var cores = new HashSet<(string Package, string Core)>();
            int processors = 0;
            string package = "0";
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0)
                {
                    continue;
                }
                string key = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (key == "processor")
                {
                    processors++;
                }
                else if (key == "physical id")
                {
                    package = value;
                }
                else if (key == "core id")
                {
                    cores.Add((package, value));
                }
            }
            if (cores.Count == 0 || processors == 0)
            {
                return logical;
            }
            // ProcessorCount already honours affinity and cgroup limits; scale it by the SMT ratio.
            int threadsPerCore = Math.Max(1, processors / cores.Count);
            return Math.Max(1, logical / threadsPerCore);
        }
        catch (IOException)
        {
            return logical;
        }
        catch (UnauthorizedAccessException)
        {
            return logical;
        }
    }
}
