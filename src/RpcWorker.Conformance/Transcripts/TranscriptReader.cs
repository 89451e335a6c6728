using System.Buffers.Binary;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Transcripts;

/// <summary>
/// Streams the sessions of a <c>.rpct</c> transcript one at a time (only the current session is held in memory).
/// Layout (little-endian): <c>"RPCT" | u32 format=1 | u8 major | u8 minor | u8 patch | u8 0</c>, then records
/// <c>u8 cmd | u64 req_len | req | u8 has_rsp | u64 rsp_len | rsp</c>, ended by a record with cmd 255 and both lengths 0.
/// </summary>
public sealed class TranscriptReader : IDisposable
{
    /// <summary>Command byte of the record that ends a session.</summary>
    public const byte EndCommand = 255;

    private const int FormatVersion = 1;
    private const int HeaderSize = 12;
    private const int RecordHeaderSize = 9;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _header = new byte[HeaderSize];
    private long _position;
    private int _sessionIndex;

    public TranscriptReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Opens <paramref name="path"/> for one sequential pass.</summary>
    public static TranscriptReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan));

    /// <summary>
    /// Reads the next session, or returns null at the end of the file. With <paramref name="load"/>, only records whose
    /// command it accepts are kept (the others are skipped without being buffered).
    /// </summary>
    public TranscriptSession? ReadSession(Func<byte, bool>? load = null)
    {
        int got = ReadSome(_header.AsSpan(0, HeaderSize));
        if (got == 0)
        {
            return null;
        }
        if (got < HeaderSize)
        {
            throw new TranscriptFormatException(_position, "truncated session header");
        }
        if (!_header.AsSpan(0, 4).SequenceEqual("RPCT"u8))
        {
            throw new TranscriptFormatException(_position - HeaderSize, "missing RPCT magic");
        }
        uint format = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(4));
        if (format != FormatVersion || _header[11] != 0)
        {
            throw new TranscriptFormatException(_position - HeaderSize, $"unsupported format {format}");
        }
        var version = new ProtocolVersion(_header[8], _header[9], _header[10]);
        var records = new List<TranscriptRecord>();
        for (int index = 0; ; index++)
        {
            ReadExact(_header.AsSpan(0, RecordHeaderSize));
            byte command = _header[0];
            ulong requestLength = BinaryPrimitives.ReadUInt64LittleEndian(_header.AsSpan(1));
            bool keep = command != EndCommand && (load is null || load(command));
            byte[]? request = ReadPayload(requestLength, keep);
            ReadExact(_header.AsSpan(0, RecordHeaderSize));
            byte hasResponse = _header[0];
            ulong responseLength = BinaryPrimitives.ReadUInt64LittleEndian(_header.AsSpan(1));
            if (hasResponse > 1 || (hasResponse == 0 && responseLength != 0))
            {
                throw new TranscriptFormatException(_position, $"record {index}: bad response flag {hasResponse}");
            }
            byte[]? response = ReadPayload(responseLength, keep);
            if (command == EndCommand)
            {
                if (requestLength != 0 || responseLength != 0)
                {
                    throw new TranscriptFormatException(_position, "end record with a payload");
                }
                return new TranscriptSession(_sessionIndex++, version, records, index);
            }
            if (keep)
            {
                records.Add(new TranscriptRecord(index, command, request!, hasResponse == 1 ? response : null));
            }
        }
    }

    /// <summary>Reads every session of the file in turn.</summary>
    public IEnumerable<TranscriptSession> ReadSessions(Func<byte, bool>? load = null)
    {
        while (ReadSession(load) is { } session)
        {
            yield return session;
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private byte[]? ReadPayload(ulong length, bool keep)
    {
        long limit = _stream.CanSeek ? _stream.Length - _position : Array.MaxLength;
        if (length > (ulong)Math.Min(limit, Array.MaxLength))
        {
            throw new TranscriptFormatException(_position, $"payload of {length} bytes runs past the end");
        }
        if (!keep)
        {
            Skip((long)length);
            return null;
        }
        var payload = new byte[(int)length];
        ReadExact(payload);
        return payload;
    }

    private void Skip(long count)
    {
        if (_stream.CanSeek)
        {
            _stream.Seek(count, SeekOrigin.Current);
            _position += count;
            return;
        }
        Span<byte> sink = stackalloc byte[4096];
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, sink.Length);
            ReadExact(sink[..chunk]);
            count -= chunk;
        }
    }

    private void ReadExact(Span<byte> destination)
    {
        if (ReadSome(destination) != destination.Length)
        {
            throw new TranscriptFormatException(_position, "unexpected end of file");
        }
    }

    private int ReadSome(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = _stream.Read(destination[total..]);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        _position += total;
        return total;
    }
}
