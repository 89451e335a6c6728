using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Tests.Execution;

public class CpuPlacementTests
{
    [Fact]
    public void Choose_GivesDistinctAllowedCpus_FirstThreadOfEachCoreFirst()
    {
        if (!CpuAffinity.TryGet(out CpuAffinity.Mask allowed))
        {
            Assert.False(OperatingSystem.IsLinux());
            Assert.Null(CpuPlacement.Choose(1));
            return;
        }
        int[]? all = CpuPlacement.Choose(allowed.Count);
        Assert.NotNull(all);
        Assert.Equal(allowed.Count, all.Distinct().Count());
        var allowedSet = Enumerable.Range(0, allowed.Count).Select(allowed.Nth).ToHashSet();
        Assert.All(all, cpu => Assert.Contains(cpu, allowedSet));
        bool seenSecondThread = false;
        foreach (int cpu in all)
        {
            bool second = IsSecondThread(cpu);
            Assert.False(seenSecondThread && !second, $"CPU {cpu}, the first thread of its core, comes after a second thread");
            seenSecondThread |= second;
        }
        Assert.Equal(all[..1], CpuPlacement.Choose(1));
    }

    [Fact]
    public void Choose_MoreMembersThanAllowedCpus_IsNull()
    {
        int allowed = CpuAffinity.TryGet(out CpuAffinity.Mask mask) ? mask.Count : 0;
        Assert.Null(CpuPlacement.Choose(allowed + 1));
        Assert.Null(CpuPlacement.Choose(0));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1024)]
    public void MaskSingle_OutsideTheMask_Throws(int cpu) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuAffinity.Mask.Single(cpu));

    [Fact]
    public void MaskSingle_HoldsOnlyThatCpu()
    {
        CpuAffinity.Mask mask = CpuAffinity.Mask.Single(130);
        Assert.Equal(1, mask.Count);
        Assert.Equal(130, mask.Nth(0));
        Assert.Equal(-1, mask.Nth(1));
    }

    private static bool IsSecondThread(int cpu)
    {
        string path = $"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list";
        if (!File.Exists(path))
        {
            return false;
        }
        string list = File.ReadAllText(path).Trim();
        int end = list.IndexOfAny([',', '-']);
        return int.Parse(end < 0 ? list : list[..end]) != cpu;
    }
}
