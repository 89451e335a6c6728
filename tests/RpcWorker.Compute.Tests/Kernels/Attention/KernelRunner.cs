using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Kernels;

namespace RpcWorker.Compute.Tests.Kernels.Attention;

/// <summary>Runs one kernel instance (e.g. forced to a lower SIMD level) on a thread team with scratch memory.</summary>
internal static unsafe class KernelRunner
{
    public static void Run(IOpKernel kernel, Tensor node, int threads)
    {
        string? reason = kernel.Validate(node);
        Assert.Null(reason);
        long work = kernel.GetWorkSize(node, threads);
        NativeBuffer? scratch = work > 0 ? NativeBuffer.TryAllocate(new MemoryBudget(ulong.MaxValue), (ulong)work + 64) : null;
        try
        {
            using var team = new ThreadTeam(threads);
            var job = new Job(kernel, node, scratch is null ? null : scratch.Pointer, work);
            team.Run(job);
            if (job.Failure is not null)
            {
                throw job.Failure;
            }
        }
        finally
        {
            scratch?.Dispose();
        }
    }

    private sealed class Job(IOpKernel kernel, Tensor node, byte* wdata, long wsize) : ITeamJob
    {
        public Exception? Failure;

        public void Run(ThreadTeam team, TeamMember member)
        {
            try
            {
                kernel.Compute(new ComputeParams(team, member, wdata, wsize), node);
            }
            catch (Exception ex)
            {
                Failure = ex;
                team.Poison();
            }
        }
    }
}
