using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Tests.Execution;

public class ThreadTeamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Run_EveryMemberRunsEachPhaseAfterTheBarrier(int size)
    {
        using var team = new ThreadTeam(size);
        var job = new PhaseJob(size, phases: 200);
        for (int run = 0; run < 5; run++)
        {
            job.Reset();
            team.Run(job);
            Assert.True(job.Ok, job.Error);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Run_EachMemberRunsTheJobExactlyOnce(int size)
    {
        using var team = new ThreadTeam(size);
        for (int run = 0; run < 50; run++)
        {
            var job = new CountingJob(size);
            team.Run(job);
            Assert.All(job.Runs, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public void Run_Pinned_EachMemberRunsOnItsCpuAndTheCallerGetsItsCpusBack()
    {
        int[]? cpus = CpuPlacement.Choose(Math.Min(2, Environment.ProcessorCount));
        if (cpus is null)
        {
            Assert.False(OperatingSystem.IsLinux(), "Linux can always pin to CPUs the process may use");
            return;
        }
        Assert.True(CpuAffinity.TryGet(out CpuAffinity.Mask before));
        using var team = new ThreadTeam(cpus.Length, cpus);
        Assert.True(team.Pinned);
        for (int run = 0; run < 3; run++)
        {
            var job = new AffinityJob(cpus.Length);
            team.Run(job);
            for (int i = 0; i < cpus.Length; i++)
            {
                Assert.Equal(1, job.Allowed[i]);
                Assert.Equal(cpus[i], job.Cpu[i]);
            }
            Assert.True(CpuAffinity.TryGet(out CpuAffinity.Mask after));
            Assert.Equal(before.Count, after.Count);
            for (int i = 0; i < before.Count; i++)
            {
                Assert.Equal(before.Nth(i), after.Nth(i));
            }
        }
    }

    [Fact]
    public void Constructor_CpuCountOtherThanSize_Throws() =>
        Assert.Throws<ArgumentException>(() => new ThreadTeam(2, [0]));

    [Fact]
    public void Run_MemberFailure_PoisonsBarriersAndReturns()
    {
        using var team = new ThreadTeam(3);
        var job = new FailingJob();
        team.Run(job);
        Assert.Equal(3, job.Finished);
        var ok = new PhaseJob(3, phases: 10);
        team.Run(ok);
        Assert.True(ok.Ok, ok.Error);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Run_MembersThatWaitLongerThanTheSpinSleepAndWakeOnTheLastArrival(int size)
    {
        using var team = new ThreadTeam(size);
        var job = new PhaseJob(size, phases: 12, slowMillis: 3);
        team.Run(job);
        Assert.True(job.Ok, job.Error);
    }

    [Fact]
    public void Run_ReturnsOnlyAfterALateWorkerFinishes()
    {
        using var team = new ThreadTeam(3);
        for (int run = 0; run < 3; run++)
        {
            var job = new LateWorkerJob(delayMillis: 5);
            team.Run(job);
            Assert.Equal(2, Volatile.Read(ref job.WorkersDone));
        }
    }

    [Fact]
    public void Run_PoisonWakesMembersSleepingInTheBarrier()
    {
        using var team = new ThreadTeam(3);
        var job = new FailingJob(delayMillis: 20);
        team.Run(job);
        Assert.Equal(3, job.Finished);
    }

    /// <summary>Each phase checks that every member arrived; with <c>slowMillis</c> one member (a different one each phase) arrives late.</summary>
    private sealed class PhaseJob(int size, int phases, int slowMillis = 0) : ITeamJob
    {
        private readonly int[] _counts = new int[phases];
        public bool Ok = true;
        public string? Error;

        public void Reset() => Array.Clear(_counts);

        public void Run(ThreadTeam team, TeamMember member)
        {
            for (int p = 0; p < phases; p++)
            {
                if (slowMillis > 0 && p % size == member.Index)
                {
                    Thread.Sleep(slowMillis);
                }
                Interlocked.Increment(ref _counts[p]);
                team.Barrier(member);
                if (Volatile.Read(ref _counts[p]) != size)
                {
                    Ok = false;
                    Error = $"phase {p} saw {_counts[p]} of {size}";
                }
                team.Barrier(member);
            }
        }
    }

    /// <summary>The workers finish <c>delayMillis</c> after member 0, so <see cref="ThreadTeam.Run"/> has to wait for them.</summary>
    private sealed class LateWorkerJob(int delayMillis) : ITeamJob
    {
        public int WorkersDone;

        public void Run(ThreadTeam team, TeamMember member)
        {
            if (member.Index != 0)
            {
                Thread.Sleep(delayMillis);
                Interlocked.Increment(ref WorkersDone);
            }
        }
    }

    /// <summary>Records, per member, how many CPUs its thread may use and the first of them.</summary>
    private sealed class AffinityJob(int size) : ITeamJob
    {
        public readonly int[] Allowed = new int[size];
        public readonly int[] Cpu = new int[size];

        public void Run(ThreadTeam team, TeamMember member)
        {
            if (CpuAffinity.TryGet(out CpuAffinity.Mask mask))
            {
                Allowed[member.Index] = mask.Count;
                Cpu[member.Index] = mask.Nth(0);
            }
        }
    }

    private sealed class CountingJob(int size) : ITeamJob
    {
        public readonly int[] Runs = new int[size];

        public void Run(ThreadTeam team, TeamMember member) => Interlocked.Increment(ref Runs[member.Index]);
    }

    /// <summary>Member 1 poisons the team after <c>delayMillis</c> while the others wait in barriers.</summary>
    private sealed class FailingJob(int delayMillis = 0) : ITeamJob
    {
        public int Finished;

        public void Run(ThreadTeam team, TeamMember member)
        {
            try
            {
                if (member.Index == 1)
                {
                    Thread.Sleep(delayMillis);
                    team.Poison();
                    return;
                }
                for (int i = 0; i < 100; i++)
                {
                    team.Barrier(member);
                }
            }
            finally
            {
                Interlocked.Increment(ref Finished);
            }
        }
    }
}
