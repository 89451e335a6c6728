using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels;

namespace RpcWorker.Compute.Tests.Kernels.MatMul;

/// <summary>Runs one kernel on one node with a real thread team and scratch memory, as the graph executor does.</summary>
internal static unsafe class KernelRunner
{
    public static void Run(IOpKernel kernel, Tensor node, int threads)
    {
        Assert.Null(kernel.Validate(node));
        long work = kernel.GetWorkSize(node, threads);
        var budget = new MemoryBudget(ulong.MaxValue);
        using NativeBuffer scratch = NativeBuffer.TryAllocate(budget, (ulong)(work + (64 * threads))) ?? throw new OutOfMemoryException();
        using var team = new ThreadTeam(threads);
        var job = new Job(kernel, node, scratch.Pointer, work);
        team.Run(job);
        if (job.Failure is { } failure)
        {
            throw failure;
        }
    }

    private sealed class Job(IOpKernel kernel, Tensor node, byte* wdata, long wsize) : ITeamJob
    {
        private Exception? _failure;

        public Exception? Failure => _failure;

        public void Run(ThreadTeam team, TeamMember member)
        {
            var p = new ComputeParams(team, member, wdata, wsize);
            try
            {
                kernel.Compute(in p, node);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
                team.Poison();
            }
        }
    }
}
