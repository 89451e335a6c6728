using System.Buffers;

namespace RpcWorker.Benchmarks.Protocol;

/// <summary>One segment of a multi-segment <see cref="ReadOnlySequence{T}"/> cut from a byte array.</summary>
internal sealed class ChunkSegment : ReadOnlySequenceSegment<byte>
{
    private ChunkSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Cuts <paramref name="bytes"/> into segments of <paramref name="segmentBytes"/> (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int segmentBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 1);
        var first = new ChunkSegment(bytes.AsMemory(0, Math.Min(segmentBytes, bytes.Length)), 0);
        ChunkSegment last = first;
        for (int at = segmentBytes; at < bytes.Length; at += segmentBytes)
        {
            var next = new ChunkSegment(bytes.AsMemory(at, Math.Min(segmentBytes, bytes.Length - at)), at);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
