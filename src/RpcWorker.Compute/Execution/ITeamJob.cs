namespace RpcWorker.Compute.Execution;

/// <summary>Work run by every member of a <see cref="ThreadTeam"/> at once.</summary>
internal interface ITeamJob
{
    void Run(ThreadTeam team, TeamMember member);
}
