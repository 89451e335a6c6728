using RpcWorker.Compute.Kernels;

namespace RpcWorker.Compute.Execution;

/// <summary>
/// Plans and runs graphs on one persistent <see cref="ThreadTeam"/>. Graphs from all sessions share the team; one runs at a
/// time. Scratch memory grows to the largest plan and is reused.
/// </summary>
public sealed unsafe class GraphExecutor : IDisposable
{
    private const int CacheLine = 64;

    private readonly ThreadTeam _team;
    private readonly MemoryBudget _budget;
    private readonly Lock _lock = new();
    private readonly GraphJob _job = new();
    private NativeBuffer? _scratch;

    /// <param name="threads">Team size.</param>
    /// <param name="budget">Where the scratch memory is charged.</param>
    /// <param name="pinThreads">Run each member on its own CPU (<see cref="CpuPlacement"/>) where the platform allows it.</param>
    public GraphExecutor(int threads, MemoryBudget budget, bool pinThreads = false)
    {
        _team = new ThreadTeam(threads, pinThreads ? CpuPlacement.Choose(threads) : null);
        _budget = budget;
    }

    public int Threads => _team.Size;

    /// <summary>Whether the team's members run on fixed CPUs.</summary>
    public bool Pinned => _team.Pinned;

    /// <summary>
    /// Validates every node and resolves its kernel. Throws <see cref="UnsupportedOpException"/> before anything runs.
    /// With <paramref name="reuse"/> that plan is refilled and returned (no allocation once it is large enough); it must
    /// not be running, and it is invalid if this throws.
    /// </summary>
    public GraphPlan Plan(ComputeGraph graph, GraphPlan? reuse = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        IReadOnlyList<Tensor?> nodes = graph.Nodes;
        GraphPlan plan = reuse ?? new GraphPlan(graph);
        plan.Reset(graph, nodes.Count);
        long work = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            Tensor? node = nodes[i];
            if (node is null || KernelRegistry.IsNoOp(node.Op) || node.IsEmpty)
            {
                continue;
            }
            IOpKernel kernel = KernelRegistry.Find(node) ?? throw new UnsupportedOpException(node, "no kernel");
            string? reason = kernel.Validate(node);
            if (reason is not null)
            {
                throw new UnsupportedOpException(node, reason);
            }
            work = Math.Max(work, kernel.GetWorkSize(node, Threads));
            plan.Add(new PlanStep(node, kernel));
        }
        if (work > 0)
        {
            work = checked(work + CacheLine * Threads);
        }
        plan.SetWorkSize(work);
        return plan;
    }

    /// <summary>Runs a plan to completion. Throws <see cref="ComputeException"/> if a kernel failed; the outputs are then undefined.</summary>
    public void Execute(GraphPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        lock (_lock)
        {
            byte* wdata = EnsureScratch(plan.WorkSize);
            GraphJob job = _job;
            job.Start(plan, wdata);
            try
            {
                _team.Run(job);
            }
            finally
            {
                job.Clear();
            }
            if (job.Failure is { } failure)
            {
                throw failure as ComputeException ?? new ComputeException($"kernel failed: {failure.Message}", failure);
            }
        }
    }

    private byte* EnsureScratch(long size)
    {
        if (size == 0)
        {
            return null;
        }
        if (_scratch is null || _scratch.Size < (ulong)size)
        {
            _scratch?.Dispose();
            _scratch = NativeBuffer.TryAllocate(_budget, (ulong)size)
                ?? throw new ComputeException($"cannot allocate {size} bytes of scratch memory");
        }
        return _scratch.Pointer;
    }

    public void Dispose()
    {
        _team.Dispose();
        lock (_lock)
        {
            _scratch?.Dispose();
            _scratch = null;
        }
    }

    /// <summary>The team job that walks a plan (one per executor, reused: plans run one at a time).</summary>
    private sealed class GraphJob : ITeamJob
    {
        private GraphPlan? _plan;
        private byte* _wdata;
        private Exception? _failure;
        private volatile bool _failed;

        public Exception? Failure => _failure;

        public void Start(GraphPlan plan, byte* wdata)
        {
            _plan = plan;
            _wdata = wdata;
            _failure = null;
            _failed = false;
        }

        public void Clear() => _plan = null;

        public void Run(ThreadTeam team, TeamMember member)
        {
            GraphPlan plan = _plan!;
            var p = new ComputeParams(team, member, _wdata, plan.WorkSize);
            PlanStep[] steps = plan.Steps;
            int count = plan.ComputeNodeCount;
            for (int i = 0; i < count; i++)
            {
                if (!_failed)
                {
                    try
                    {
                        steps[i].Kernel.Compute(in p, steps[i].Node);
                    }
                    catch (Exception ex)
                    {
                        Interlocked.CompareExchange(ref _failure, ex, null);
                        _failed = true;
                        team.Poison();
                    }
                }
                if (i + 1 < count)
                {
                    team.Barrier(member);
                }
            }
        }
    }
}
