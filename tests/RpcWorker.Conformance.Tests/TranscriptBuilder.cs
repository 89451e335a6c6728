using System.Buffers.Binary;

namespace RpcWorker.Conformance.Tests;

/// <summary>Writes synthetic <c>.rpct</c> transcripts for tests.</summary>
internal sealed class TranscriptBuilder
{
    private readonly MemoryStream _stream = new();

    public TranscriptBuilder Session(byte major = 5, byte minor = 1, byte patch = 0)
    {
        _stream.Write("RPCT"u8);
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 1);
        h[4] = major;
        h[5] = minor;
        h[6] = patch;
        h[7] = 0;
        _stream.Write(h);
        return this;
    }

    public TranscriptBuilder Record(byte command, byte[] request, byte[]? response)
    {
        Span<byte> h = stackalloc byte[9];
        h[0] = command;
        BinaryPrimitives.WriteUInt64LittleEndian(h[1..], (ulong)request.Length);
        _stream.Write(h);
        _stream.Write(request);
        h[0] = response is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteUInt64LittleEndian(h[1..], (ulong)(response?.Length ?? 0));
        _stream.Write(h);
        _stream.Write(response ?? []);
        return this;
    }

    public TranscriptBuilder End() => Record(255, [], null);

    public byte[] ToArray() => _stream.ToArray();
}
