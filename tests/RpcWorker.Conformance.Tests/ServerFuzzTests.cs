using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using RpcWorker.Conformance.Transcripts;
using RpcWorker.Protocol;
using RpcWorker.Server;

namespace RpcWorker.Conformance.Tests;

/// <summary>
/// Mutates recorded requests (bit flips, truncation, lying size fields, swapped commands, extreme tensor fields) after a
/// correct replay of the session up to that point, and checks that the server survives every one: it keeps serving a
/// clean client, and once all connections are gone it holds no memory. Seeds are fixed, so a failure reproduces.
/// </summary>
public class ServerFuzzTests
{
    private const int Iterations = 120;
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(10);

    [ConformanceTheory]
    [InlineData("tbo-ADD.rpct", 0, 1001)]
    [InlineData("tbo-GET_ROWS.rpct", 20, 2002)]
    [InlineData("tbo-MUL_MAT_ID.rpct", 3, 3003)]
    [InlineData("bench-small-Q4_0.rpct", 15, 4004)]
    public async Task MutatedRequests_ServerSurvivesAndReleasesMemory(string file, int sessionIndex, int seed)
    {
        Assert.True(ConformanceData.Exists, $"conformance transcripts not found at {ConformanceData.Directory}");
        TranscriptSession session = LoadSession(file, sessionIndex);
        await using var server = new RpcServer(new ServerOptions { Port = 0, Threads = 2, MemoryMiB = 2048 },
            NullLoggerFactory.Instance);
        await server.StartAsync();

        for (int i = 0; i < Iterations; i++)
        {
            var random = new Random(seed + i);
            int cut = random.Next(session.Records.Count);
            await RunMutatedAsync(server.LocalEndPoint, session, cut, random);
            if (i % 20 == 19)
            {
                await ServerChecks.AssertServesCleanClientAsync(server);
            }
        }

        await ServerChecks.AssertServesCleanClientAsync(server);
        await ServerChecks.AssertDrainedAsync(server);
    }

    private static TranscriptSession LoadSession(string file, int index)
    {
        using TranscriptReader reader = TranscriptReader.Open(ConformanceData.PathOf(file));
        foreach (TranscriptSession s in reader.ReadSessions())
        {
            if (s.Index == index)
            {
                return s;
            }
        }
        throw new InvalidOperationException($"{file} has no session {index}");
    }

    /// <summary>Replays records before <paramref name="cut"/> correctly, then sends a mutation of record <paramref name="cut"/> and maybe a few more records raw.</summary>
    private static async Task RunMutatedAsync(IPEndPoint endPoint, TranscriptSession session, int cut, Random random)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, timeout.Token);
        var remapper = new HandleRemapper();
        for (int k = 0; k < cut; k++)
        {
            TranscriptRecord r = session.Records[k];
            byte[] request = (byte[])r.Request.Clone();
            ulong recordedHandle = request.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(request) : 0;
            remapper.Rewrite(r.Command, request);
            await socket.SendAsync(Frame(r.Command, request, (ulong)request.Length), SocketFlags.None, timeout.Token);
            byte[]? reply = r.HasResponse ? await ReadReplyAsync(socket, timeout.Token) : null;
            if (reply is null && r.HasResponse)
            {
                return;
            }
            Track(remapper, r, recordedHandle, reply);
        }

        TranscriptRecord target = session.Records[cut];
        byte[] payload = (byte[])target.Request.Clone();
        remapper.Rewrite(target.Command, payload);
        byte[] frame = Mutate(target.Command, payload, random);
        await SendQuietlyAsync(socket, frame);
        for (int k = cut + 1; k < Math.Min(session.Records.Count, cut + 1 + random.Next(4)); k++)
        {
            TranscriptRecord r = session.Records[k];
            byte[] request = (byte[])r.Request.Clone();
            try
            {
                remapper.Rewrite(r.Command, request);
            }
            catch (ReplayException)
            {
                break;
            }
            await SendQuietlyAsync(socket, Frame(r.Command, request, (ulong)request.Length));
        }
        await DrainAsync(socket);
    }

    /// <summary>Reads one reply; null when the server closed the connection (a prefix graph may need an op the engine lacks).</summary>
    private static async Task<byte[]?> ReadReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        if (!await ReadExactAsync(socket, header, cancellationToken))
        {
            return null;
        }
        var reply = new byte[checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header))];
        return await ReadExactAsync(socket, reply, cancellationToken) ? reply : null;
    }

    private static async Task<bool> ReadExactAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return false;
            }
            buffer = buffer[read..];
        }
        return true;
    }

    private static void Track(HandleRemapper remapper, TranscriptRecord r, ulong recordedHandle, byte[]? reply)
    {
        switch ((RpcCommand)r.Command)
        {
            case RpcCommand.AllocBuffer when reply is { Length: 16 }:
                remapper.OnAllocated(BinaryPrimitives.ReadUInt64LittleEndian(r.Response!),
                    BinaryPrimitives.ReadUInt64LittleEndian(r.Response.AsSpan(8)), BinaryPrimitives.ReadUInt64LittleEndian(reply));
                break;
            case RpcCommand.BufferGetBase when reply is { Length: 8 }:
                remapper.OnBase(recordedHandle, BinaryPrimitives.ReadUInt64LittleEndian(r.Response!),
                    BinaryPrimitives.ReadUInt64LittleEndian(reply));
                break;
            case RpcCommand.FreeBuffer:
                remapper.OnFreed(recordedHandle);
                break;
        }
    }

    /// <summary>A damaged request frame built from a correctly translated payload.</summary>
    private static byte[] Mutate(byte command, byte[] payload, Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                int flips = 1 + random.Next(8);
                for (int f = 0; f < flips && payload.Length > 0; f++)
                {
                    payload[random.Next(payload.Length)] ^= (byte)(1 << random.Next(8));
                }
                return Frame(command, payload, (ulong)payload.Length);
            case 1:
                byte[] cut = payload[..random.Next(payload.Length + 1)];
                return Frame(command, cut, (ulong)cut.Length);
            case 2:
                ulong claimed = random.Next(3) switch
                {
                    0 => (ulong)payload.Length + 1 + (ulong)random.Next(1 << 16),
                    1 => ulong.MaxValue - (ulong)random.Next(16),
                    _ => (ulong)random.Next(payload.Length + 1),
                };
                return Frame(command, payload, claimed);
            case 3:
                byte other = (byte)random.Next(21);
                return Frame(other == 20 ? (byte)255 : other, payload, (ulong)payload.Length);
            default:
                int[] tensors = WireTensor.TensorOffsets(command, payload);
                int[] fields = [8, 12, 20, 24, 36, 40, 52, 56, 124, 204, 212, 220, 292];
                ulong[] extremes = [0, 1, uint.MaxValue, int.MaxValue, 0x8000_0000, ulong.MaxValue, 43, 101, 0xFFFF_FFF0];
                int at = tensors.Length > 0
                    ? tensors[random.Next(tensors.Length)] + fields[random.Next(fields.Length)]
                    : random.Next(Math.Max(1, payload.Length));
                ulong value = extremes[random.Next(extremes.Length)];
                if (at + 8 <= payload.Length && random.Next(2) == 0)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(at), value);
                }
                else if (at + 4 <= payload.Length)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(at), (uint)value);
                }
                return Frame(command, payload, (ulong)payload.Length);
        }
    }

    private static byte[] Frame(byte command, byte[] payload, ulong claimedSize)
    {
        var frame = new byte[ProtocolLimits.RequestHeaderSize + payload.Length];
        frame[0] = command;
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(1), claimedSize);
        payload.CopyTo(frame, ProtocolLimits.RequestHeaderSize);
        return frame;
    }

    private static async Task SendQuietlyAsync(Socket socket, byte[] frame)
    {
        using var timeout = new CancellationTokenSource(s_drainTimeout);
        try
        {
            await socket.SendAsync(frame, SocketFlags.None, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server may already have closed the connection: that is an accepted reaction.
        }
    }

    /// <summary>Half-closes and reads whatever the server still sends, until it closes or the timeout passes.</summary>
    private static async Task DrainAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(s_drainTimeout);
        var sink = new byte[64 * 1024];
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            while (await socket.ReceiveAsync(sink, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset or a server that keeps waiting for a lying size field both end here; closing is enough.
        }
    }
}
