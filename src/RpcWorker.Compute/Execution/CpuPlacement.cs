namespace RpcWorker.Compute.Execution;

/// <summary>
/// Chooses the CPU of each thread-team member: the CPUs this process may run on, the first hardware thread of every
/// core before any second one (so a small team gets one core per member), in CPU order within each rank.
/// </summary>
public static class CpuPlacement
{
    /// <summary>One CPU per member, or null when the process may use fewer CPUs than <paramref name="members"/> or cannot pin threads.</summary>
    public static int[]? Choose(int members)
    {
        // Setting the calling thread's own mask changes nothing; it fails where pinning is not permitted at all.
        if (members < 1 || !CpuAffinity.TryGet(out CpuAffinity.Mask allowed) || allowed.Count < members || !CpuAffinity.TrySet(allowed))
        {
            return null;
        }
        var cpus = new int[allowed.Count];
        for (int i = 0; i < cpus.Length; i++)
        {
            cpus[i] = allowed.Nth(i);
        }
        return [.. cpus.OrderBy(SiblingRank).Take(members)];
    }

    /// <summary>
    /// 0 for the first CPU of its core (the first entry of <c>topology/thread_siblings_list</c>), 1 for the others;
    /// 0 when the topology cannot be read.
    /// </summary>
    private static int SiblingRank(int cpu)
    {
        try
        {
            string path = $"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list";
            if (!File.Exists(path))
            {
                return 0;
            }
            string list = File.ReadAllText(path).Trim();
            int end = list.IndexOfAny([',', '-']);
            return int.TryParse(end < 0 ? list : list[..end], out int first) && first != cpu ? 1 : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
