using RpcWorker.Compute.Execution;

namespace RpcWorker.Compute.Kernels;

/// <summary>
/// One ggml op on the CPU. <see cref="Compute"/> runs on every thread of the team with the thread's index and the
/// team size (as ggml-cpu's <c>compute_forward</c>); a kernel splits its work by <c>Ith</c>/<c>Nth</c> and may use
/// <see cref="ComputeParams.Barrier"/> (then every thread must reach it).
/// Data-dependent values (row ids, expert ids, positions) are checked where each thread reads them: a kernel throws
/// <see cref="Execution.ComputeException"/> rather than address memory outside a validated shape. After a throw the team is
/// poisoned (barriers stop waiting), so a thread must stay memory-safe even when another thread's results are missing.
/// </summary>
public interface IOpKernel
{
    /// <summary>
    /// Checks types, shapes and op_params of <paramref name="node"/> and its sources once, before anything runs.
    /// Returns null when the kernel computes this node safely, else a reason. A kernel must never touch memory outside
    /// the shapes it validated here.
    /// </summary>
    string? Validate(Tensor node);

    /// <summary>Scratch bytes the node needs in <see cref="ComputeParams.WData"/> for a team of <paramref name="threads"/>.</summary>
    long GetWorkSize(Tensor node, int threads) => 0;

    void Compute(in ComputeParams p, Tensor node);
}
