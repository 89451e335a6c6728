using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RpcWorker.Conformance.Transcripts;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance.Tests;

/// <summary>
/// A stand-in server that plays the recorded side of a transcript: connection k serves session k. It hands out its own
/// buffer handles and base addresses (shifted per buffer), checks that each request equals the recorded one translated
/// to those handles, and answers the recorded reply translated the same way. A request that does not match closes the
/// connection and is listed in <see cref="Mismatches"/>. This tests the harness (reader, remapper, judge) end to end.
/// </summary>
internal sealed class RecordedReplyServer : IAsyncDisposable
{
    private const ulong HandleStep = 0x0001_0000_0000_0000;
    private const ulong BaseStep = 0x1000_0000;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _path;
    private readonly Task _run;
    private readonly List<string> _mismatches = [];

    public RecordedReplyServer(string path)
    {
        _path = path;
        _listener.Start();
        _run = Task.Run(RunAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public IReadOnlyList<string> Mismatches => _mismatches;

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _run;
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RunAsync()
    {
        using TranscriptReader reader = TranscriptReader.Open(_path);
        while (reader.ReadSession() is { } session)
        {
            using Socket peer = await _listener.AcceptSocketAsync();
            peer.NoDelay = true;
            string? mismatch;
            try
            {
                mismatch = await ServeAsync(peer, session);
            }
            catch (Exception e) when (e is EndOfStreamException or SocketException)
            {
                mismatch = "the client closed the connection early";
            }
            if (mismatch is not null)
            {
                _mismatches.Add($"session {session.Index}: {mismatch}");
            }
        }
    }

    private static async Task<string?> ServeAsync(Socket peer, TranscriptSession session)
    {
        var handles = new Dictionary<ulong, ulong>();
        var bases = new Dictionary<ulong, (ulong Recorded, ulong Ours)>();
        int allocations = 0;
        var header = new byte[9];
        foreach (TranscriptRecord r in session.Records)
        {
            await ReadExactAsync(peer, header);
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(1));
            if (header[0] != r.Command || size != (ulong)r.Request.Length)
            {
                return $"record {r.Index}: got command {header[0]} with {size} bytes, expected {r.Command} with {r.Request.Length}";
            }
            var received = new byte[size];
            await ReadExactAsync(peer, received);
            byte[] expected = Translate(r.Command, r.Request, handles, bases);
            if (!expected.AsSpan().SequenceEqual(received))
            {
                return $"record {r.Index}: request differs from the translated recording at byte {expected.AsSpan().CommonPrefixLength(received)}";
            }
            if (r.Response is null)
            {
                continue;
            }
            byte[] reply = (byte[])r.Response.Clone();
            switch ((RpcCommand)r.Command)
            {
                case RpcCommand.AllocBuffer:
                    ulong recordedPtr = BinaryPrimitives.ReadUInt64LittleEndian(reply);
                    if (recordedPtr != 0)
                    {
                        ulong ours = recordedPtr + HandleStep * (ulong)++allocations;
                        handles[recordedPtr] = ours;
                        BinaryPrimitives.WriteUInt64LittleEndian(reply, ours);
                    }
                    break;
                case RpcCommand.BufferGetBase:
                    ulong recordedHandle = BinaryPrimitives.ReadUInt64LittleEndian(r.Request);
                    ulong recordedBase = BinaryPrimitives.ReadUInt64LittleEndian(reply);
                    ulong ourBase = recordedBase == 0 ? 0 : recordedBase + BaseStep * (ulong)(bases.Count + 1);
                    bases[recordedHandle] = (recordedBase, ourBase);
                    BinaryPrimitives.WriteUInt64LittleEndian(reply, ourBase);
                    break;
            }
            var frame = new byte[8 + reply.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(frame, (ulong)reply.Length);
            reply.CopyTo(frame, 8);
            await peer.SendAsync(frame, SocketFlags.None);
        }
        return null;
    }

    /// <summary>The recorded request as it must arrive: handles and addresses replaced by the ones this server gave out.</summary>
    private static byte[] Translate(byte command, byte[] recorded, Dictionary<ulong, ulong> handles,
        Dictionary<ulong, (ulong Recorded, ulong Ours)> bases)
    {
        byte[] x = (byte[])recorded.Clone();
        switch ((RpcCommand)command)
        {
            case RpcCommand.FreeBuffer:
            case RpcCommand.BufferClear:
            case RpcCommand.BufferGetBase:
                BinaryPrimitives.WriteUInt64LittleEndian(x, handles.GetValueOrDefault(BinaryPrimitives.ReadUInt64LittleEndian(x)));
                return x;
        }
        foreach (int at in WireTensor.TensorOffsets(command, x))
        {
            ulong buffer = BinaryPrimitives.ReadUInt64LittleEndian(x.AsSpan(at + WireTensor.BufferOffset));
            if (buffer == 0)
            {
                continue;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(x.AsSpan(at + WireTensor.BufferOffset), handles.GetValueOrDefault(buffer));
            ulong data = BinaryPrimitives.ReadUInt64LittleEndian(x.AsSpan(at + WireTensor.DataOffset));
            if (data != 0 && bases.TryGetValue(buffer, out (ulong Recorded, ulong Ours) b))
            {
                BinaryPrimitives.WriteUInt64LittleEndian(x.AsSpan(at + WireTensor.DataOffset), data - b.Recorded + b.Ours);
            }
        }
        return x;
    }

    private static async Task ReadExactAsync(Socket peer, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int read = await peer.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }
            buffer = buffer[read..];
        }
    }
}
