using System.Diagnostics;

namespace RpcWorker.Compute.Execution;

/// <summary>
/// A persistent team of threads: the caller of <see cref="Run"/> is member 0, the others are long-lived threads that
/// wake for each job. Members synchronize with a sense-reversing barrier, cheap enough to run after every node: a waiter
/// spins for up to <see cref="SpinMicroseconds"/> (a node's load imbalance is usually shorter), then sleeps until the
/// last member arrives. Sleeping matters when the machine has fewer free cores than the team: a member that only spun
/// or yielded would hold its core while the member it waits for sits in the run queue, and every node would cost a
/// scheduler time slice. The end of a job waits the same way. One job runs at a time. When a member fails it
/// <see cref="Poison"/>s the team: barriers stop waiting, so no member can hang on one that left early, and
/// <see cref="Run"/> still returns only after every member has finished. Given CPUs, member i runs on CPU i: the
/// workers for good, the caller for the length of each job. Unpinned, a woken member is often placed on the waker's
/// core (on a VM, waking an idle virtual CPU is slow), and the two then take turns on one core while the other idles.
/// </summary>
internal sealed class ThreadTeam : IDisposable
{
    private const int SpinMicroseconds = 50;
    private static readonly long s_spinTicks = Math.Max(1, Stopwatch.Frequency * SpinMicroseconds / 1_000_000);

    private readonly Thread[] _threads;
    private readonly TeamMember[] _members;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[]? _cpus;
    private readonly Lock _runLock = new();
    private readonly object _gate = new();
    private int _sleepers;
    private ITeamJob? _job;
    private int _arrived;
    private int _phase;
    private int _finished;
    private volatile bool _poisoned;
    private volatile bool _disposed;

    public int SharedCounter;

    /// <param name="size">Members, the caller of <see cref="Run"/> included.</param>
    /// <param name="cpus">The CPU of each member (see <see cref="CpuPlacement"/>), or null to leave placement to the OS.</param>
    public ThreadTeam(int size, int[]? cpus = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (cpus is not null && cpus.Length != size)
        {
            throw new ArgumentException("one CPU per member", nameof(cpus));
        }
        Size = size;
        _cpus = cpus;
        _members = new TeamMember[size];
        for (int i = 0; i < size; i++)
        {
            _members[i] = new TeamMember(i);
        }
        _threads = new Thread[size - 1];
        _wake = new SemaphoreSlim[size];
        for (int i = 1; i < size; i++)
        {
            TeamMember member = _members[i];
            SemaphoreSlim wake = _wake[i] = new SemaphoreSlim(0);
            var thread = new Thread(() => WorkerLoop(member, wake)) { IsBackground = true, Name = $"rpc-worker compute {i}" };
            _threads[i - 1] = thread;
            thread.Start();
        }
    }

    public int Size { get; }

    /// <summary>Whether members run on fixed CPUs.</summary>
    public bool Pinned => _cpus is not null;

    /// <summary>Runs <paramref name="job"/> on every member and returns when all have finished.</summary>
    public void Run(ITeamJob job)
    {
        lock (_runLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _job = job;
            _poisoned = false;
            _arrived = 0;
            _phase = 0;
            foreach (TeamMember m in _members)
            {
                m.Phase = 0;
            }
            Volatile.Write(ref _finished, 0);
            for (int i = 1; i < Size; i++)
            {
                _wake[i].Release();
            }
            CpuAffinity.Mask callerCpus = default;
            bool restore = _cpus is not null && CpuAffinity.TryGet(out callerCpus) && CpuAffinity.TrySet(CpuAffinity.Mask.Single(_cpus[0]));
            try
            {
                job.Run(this, _members[0]);
            }
            catch
            {
                Poison();
                throw;
            }
            finally
            {
                WaitForWorkers();
                _job = null;
                if (restore)
                {
                    CpuAffinity.TrySet(callerCpus);
                }
            }
        }
    }

    /// <summary>Makes every current and later barrier of this job return at once (a member failed).</summary>
    public void Poison()
    {
        _poisoned = true;
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Blocks until all <see cref="Size"/> members have called it, or the team is poisoned.</summary>
    public void Barrier(TeamMember member)
    {
        if (Size == 1 || _poisoned)
        {
            return;
        }
        int phase = member.Phase ^ 1;
        member.Phase = phase;
        if (Interlocked.Increment(ref _arrived) == Size)
        {
            Volatile.Write(ref _arrived, 0);
            // A full fence between publishing the phase and reading the sleeper count (the sleeper does the mirror
            // image), so either the sleeper sees the new phase or this member sees the sleeper.
            Interlocked.Exchange(ref _phase, phase);
            WakeSleepers();
            return;
        }
        Await(new PhaseReached(phase));
    }

    private void WakeSleepers()
    {
        if (Volatile.Read(ref _sleepers) == 0)
        {
            return;
        }
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void WorkerLoop(TeamMember member, SemaphoreSlim wake)
    {
        if (_cpus is not null)
        {
            CpuAffinity.TrySet(CpuAffinity.Mask.Single(_cpus[member.Index]));
        }
        while (true)
        {
            wake.Wait();
            if (_disposed)
            {
                return;
            }
            try
            {
                _job!.Run(this, member);
            }
            catch
            {
                Poison();
            }
            finally
            {
                Interlocked.Increment(ref _finished);
                WakeSleepers();
            }
        }
    }

    /// <summary>The end of a job: waits like a barrier until the last worker has finished.</summary>
    private void WaitForWorkers() => Await(default(WorkersFinished));

    /// <summary>
    /// Spins until <paramref name="condition"/> holds, for at most <see cref="SpinMicroseconds"/>, then sleeps until a
    /// <see cref="WakeSleepers"/> after which it holds. Counting the sleeper and then testing the condition is the mirror
    /// image of the waker's publish-then-count, both fully fenced, so a wake-up cannot be lost.
    /// </summary>
    private void Await<TCondition>(TCondition condition)
        where TCondition : struct, IWaitCondition
    {
        long start = Stopwatch.GetTimestamp();
        int spins = 0;
        while (!condition.IsMet(this))
        {
            Thread.SpinWait(8);
            if ((++spins & 63) == 0 && Stopwatch.GetTimestamp() - start > s_spinTicks)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (!condition.IsMet(this))
                    {
                        Monitor.Wait(_gate);
                    }
                    Interlocked.Decrement(ref _sleepers);
                }
                return;
            }
        }
    }

    public void Dispose()
    {
        lock (_runLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            for (int i = 1; i < Size; i++)
            {
                _wake[i].Release();
            }
        }
        foreach (Thread t in _threads)
        {
            t.Join();
        }
        for (int i = 1; i < Size; i++)
        {
            _wake[i].Dispose();
        }
    }

    private interface IWaitCondition
    {
        bool IsMet(ThreadTeam team);
    }

    /// <summary>The barrier of <c>phase</c> has opened, or the team is poisoned.</summary>
    private readonly struct PhaseReached(int phase) : IWaitCondition
    {
        public bool IsMet(ThreadTeam team) => Volatile.Read(ref team._phase) == phase || team._poisoned;
    }

    /// <summary>Every worker has finished the job.</summary>
    private readonly struct WorkersFinished : IWaitCondition
    {
        public bool IsMet(ThreadTeam team) => Volatile.Read(ref team._finished) == team.Size - 1;
    }
}
