namespace RpcWorker.Compute.Execution;

/// <summary>What one thread of the team knows while computing a node (ggml's <c>ggml_compute_params</c>).</summary>
public readonly unsafe struct ComputeParams
{
    private readonly ThreadTeam _team;
    private readonly TeamMember _member;

    internal ComputeParams(ThreadTeam team, TeamMember member, byte* wdata, long wsize)
    {
        _team = team;
        _member = member;
        WData = wdata;
        WSize = wsize;
    }

    /// <summary>This thread's index in [0, <see cref="Nth"/>).</summary>
    public int Ith => _member.Index;

    /// <summary>Number of threads running the node.</summary>
    public int Nth => _team.Size;

    /// <summary>Scratch memory shared by the team for this node (64-byte aligned, <see cref="WSize"/> bytes).</summary>
    public byte* WData { get; }

    public long WSize { get; }

    /// <summary>This thread's share [Start, End) of <paramref name="count"/> items, split evenly as ggml's dr/ir0/ir1.</summary>
    public (long Start, long End) Share(long count)
    {
        long per = (count + Nth - 1) / Nth;
        long start = per * Ith;
        return (start, Math.Min(start + per, count));
    }

    /// <summary>Waits until every thread of the team reaches this point.</summary>
    public void Barrier() => _team.Barrier(_member);

    /// <summary>A counter shared by the team for dynamic work distribution; set it on one thread, then <see cref="Barrier"/>.</summary>
    public ref int SharedCounter => ref _team.SharedCounter;
}
