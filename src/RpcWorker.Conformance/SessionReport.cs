namespace RpcWorker.Conformance;

/// <summary>
/// The result of one session: <see cref="Detail"/> holds the failure lines (file, session, record, command, reason) or
/// the skip reason. <see cref="TensorsChecked"/> counts the GET_TENSOR replies judged, <see cref="WorstNmse"/> is the
/// largest NMSE seen among them.
/// </summary>
public sealed record SessionReport(int Index, SessionOutcome Outcome, string? Detail, int Records, int TensorsChecked,
    double WorstNmse);
