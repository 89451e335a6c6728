namespace RpcWorker.Compute.Execution;

/// <summary>Per-thread state of a <see cref="ThreadTeam"/> member (its index and barrier phase).</summary>
internal sealed class TeamMember
{
    public TeamMember(int index) => Index = index;

    public int Index { get; }

    public int Phase;
}
