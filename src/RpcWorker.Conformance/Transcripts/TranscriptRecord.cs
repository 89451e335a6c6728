namespace RpcWorker.Conformance.Transcripts;

/// <summary>
/// One recorded request and, when the command has one, the recorded reply. <see cref="Request"/> is the payload after the
/// 9-byte request header; the replay rewrites it in place.
/// </summary>
public sealed class TranscriptRecord(int index, byte command, byte[] request, byte[]? response)
{
    /// <summary>Position of the record in its session (0-based, counting every record of the session).</summary>
    public int Index { get; } = index;

    public byte Command { get; } = command;

    public byte[] Request { get; } = request;

    /// <summary>The recorded reply payload, or null when the command got none.</summary>
    public byte[]? Response { get; } = response;

    public bool HasResponse => Response is not null;
}
