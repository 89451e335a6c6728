namespace RpcWorker.Conformance.Transcripts;

/// <summary>A transcript file does not follow the <c>.rpct</c> format.</summary>
public sealed class TranscriptFormatException : Exception
{
    public TranscriptFormatException(long position, string message)
        : base($"bad transcript at byte {position}: {message}")
    {
        Position = position;
    }

    /// <summary>File offset where the problem was found.</summary>
    public long Position { get; }
}
