using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Transcripts;

/// <summary>One recorded TCP connection: the protocol version in its header and its records in order.</summary>
public sealed class TranscriptSession(int index, ProtocolVersion version, IReadOnlyList<TranscriptRecord> records, int recordCount)
{
    /// <summary>Position of the session in its file (0-based).</summary>
    public int Index { get; } = index;

    public ProtocolVersion Version { get; } = version;

    /// <summary>The records that were loaded (all of them unless the reader was given a filter).</summary>
    public IReadOnlyList<TranscriptRecord> Records { get; } = records;

    /// <summary>How many records the session holds, loaded or not (the end marker excluded).</summary>
    public int RecordCount { get; } = recordCount;
}
