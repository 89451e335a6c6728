using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RpcWorker.Client;
using RpcWorker.Conformance.Transcripts;
using RpcWorker.Protocol;

namespace RpcWorker.Conformance;

/// <summary>
/// Replays recorded transcripts against a server: one fresh connection per session, requests rewritten to our handles,
/// every reply judged by the conformance rules. A session that needs an op or type the engine lacks is skipped (and says
/// so); after a failure other than a GET_TENSOR mismatch the session stops, as its state has diverged.
/// </summary>
public sealed class ConformanceRunner(ToleranceIndex index)
{
    /// <summary>How long one request may wait for its reply.</summary>
    public TimeSpan RecordTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>When true (the default), sessions needing an op or type the engine lacks are skipped, not replayed.</summary>
    public bool SkipUnsupported { get; init; } = true;

    /// <summary>How many failure lines a session report keeps (the rest are counted).</summary>
    public int MaxFailureLines { get; init; } = 5;

    /// <summary>Replays every session of the transcript at <paramref name="path"/> against <paramref name="server"/>.</summary>
    public async Task<FileReport> ReplayFileAsync(string path, IPEndPoint server, CancellationToken cancellationToken = default)
    {
        string name = Path.GetFileName(path);
        ToleranceClass? tolerance = index.Find(name);
        if (tolerance is null)
        {
            return new FileReport(name, [], "the file is not listed in INDEX.md");
        }
        var sessions = new List<SessionReport>();
        try
        {
            using TranscriptReader reader = TranscriptReader.Open(path);
            while (reader.ReadSession() is { } session)
            {
                sessions.Add(await ReplaySessionAsync(name, session, tolerance, server, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (TranscriptFormatException e)
        {
            return new FileReport(name, sessions, e.Message);
        }
        string? error = sessions.Count == tolerance.Sessions
            ? null
            : $"INDEX.md lists {tolerance.Sessions} sessions, the file holds {sessions.Count}";
        return new FileReport(name, sessions, error);
    }

    /// <summary>
    /// Why each session of <paramref name="path"/> would be skipped (an empty set: it would be replayed), reading only
    /// the GRAPH_COMPUTE requests. A graph the harness cannot parse is not a skip reason (the replay reports it).
    /// </summary>
    public static IReadOnlyList<IReadOnlySet<string>> ScanSkipReasons(string path)
    {
        var result = new List<IReadOnlySet<string>>();
        using TranscriptReader reader = TranscriptReader.Open(path);
        while (reader.ReadSession(c => c == (byte)RpcCommand.GraphCompute) is { } session)
        {
            result.Add(SkipReasons(session));
        }
        return result;
    }

    /// <summary>Why <paramref name="session"/> cannot be replayed by this engine (empty: it can), from its GRAPH_COMPUTE records.</summary>
    public static IReadOnlySet<string> SkipReasons(TranscriptSession session)
    {
        var reasons = new SortedSet<string>(StringComparer.Ordinal);
        ProtocolVersion v = session.Version;
        if (v.Major != ProtocolVersion.Current.Major || v.Minor != ProtocolVersion.Current.Minor)
        {
            reasons.Add($"recorded with protocol {v}, this harness replays {ProtocolVersion.Current.Major}.{ProtocolVersion.Current.Minor}");
            return reasons;
        }
        foreach (TranscriptRecord record in session.Records)
        {
            if (record.Command == (byte)RpcCommand.GraphCompute)
            {
                try
                {
                    GraphRequirements.Collect(record.Request, reasons);
                }
                catch (ReplayException)
                {
                    // The replay itself reports a graph it cannot parse.
                }
            }
        }
        return reasons;
    }

    private async Task<SessionReport> ReplaySessionAsync(string file, TranscriptSession session, ToleranceClass tolerance,
        IPEndPoint server, CancellationToken cancellationToken)
    {
        IReadOnlySet<string> skip = SkipUnsupported ? SkipReasons(session) : new HashSet<string>();
        if (skip.Count > 0)
        {
            return new SessionReport(session.Index, SessionOutcome.Skipped, string.Join("; ", skip), session.RecordCount, 0, 0);
        }
        var remapper = new HandleRemapper();
        var judge = new SessionJudge(tolerance);
        var failures = new List<string>();
        int failureCount = 0, tensors = 0, lastGraph = -1;
        double worst = 0;
        string prefix = $"{file} session {session.Index}";
        void Fail(TranscriptRecord r, string why)
        {
            failureCount++;
            if (failures.Count < MaxFailureLines)
            {
                failures.Add($"{prefix} record {r.Index} {RpcProtocolException.DescribeCommand(r.Command)}: {why}");
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        RpcClient client;
        try
        {
            client = await RpcClient.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return new SessionReport(session.Index, SessionOutcome.Failed, $"{prefix}: cannot connect: {e.Message}",
                session.RecordCount, 0, 0);
        }
        await using (client.ConfigureAwait(false))
        {
            foreach (TranscriptRecord r in session.Records)
            {
                try
                {
                    ulong recordedHandle = r.Request.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(r.Request) : 0;
                    remapper.Rewrite(r.Command, r.Request);
                    timeout.CancelAfter(RecordTimeout);
                    byte[]? ours = await client.SendAsync(r.Command, r.Request, r.HasResponse, timeout.Token).ConfigureAwait(false);
                    if (r.Command is (byte)RpcCommand.GraphCompute or (byte)RpcCommand.GraphRecompute)
                    {
                        lastGraph = r.Index;
                    }
                    if (r.Response is null)
                    {
                        continue;
                    }
                    string? why = judge.Judge(r.Command, r.Request, r.Response, ours);
                    if (r.Command == (byte)RpcCommand.GetTensor)
                    {
                        tensors++;
                        worst = Math.Max(worst, judge.LastNmse);
                        if (why is not null)
                        {
                            Fail(r, why);
                        }
                        continue;
                    }
                    if (why is not null)
                    {
                        Fail(r, why);
                        break;
                    }
                    Track(remapper, r, recordedHandle, ours!);
                }
                catch (ReplayException e)
                {
                    Fail(r, e.Message);
                    break;
                }
                catch (RpcConnectionClosedException)
                {
                    Fail(r, "the server closed the connection"
                        + (lastGraph >= 0 ? $" (the last graph was sent at record {lastGraph})" : string.Empty));
                    break;
                }
                catch (RpcProtocolException e)
                {
                    Fail(r, e.Message);
                    break;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Fail(r, $"no reply within {RecordTimeout.TotalSeconds:0} s");
                    break;
                }
                catch (SocketException e)
                {
                    Fail(r, $"socket error {e.SocketErrorCode}");
                    break;
                }
            }
        }
        if (failureCount > failures.Count)
        {
            failures.Add($"{prefix}: {failureCount - failures.Count} more failures");
        }
        return new SessionReport(session.Index, failureCount == 0 ? SessionOutcome.Passed : SessionOutcome.Failed,
            failureCount == 0 ? null : string.Join("\n    ", failures), session.RecordCount, tensors, worst);
    }

    private static void Track(HandleRemapper remapper, TranscriptRecord r, ulong recordedHandle, byte[] ours)
    {
        switch ((RpcCommand)r.Command)
        {
            case RpcCommand.AllocBuffer when r.Response!.Length == 16 && ours.Length == 16:
                remapper.OnAllocated(BinaryPrimitives.ReadUInt64LittleEndian(r.Response),
                    BinaryPrimitives.ReadUInt64LittleEndian(r.Response.AsSpan(8)), BinaryPrimitives.ReadUInt64LittleEndian(ours));
                break;
            case RpcCommand.BufferGetBase when r.Response!.Length == 8 && ours.Length == 8:
                remapper.OnBase(recordedHandle, BinaryPrimitives.ReadUInt64LittleEndian(r.Response),
                    BinaryPrimitives.ReadUInt64LittleEndian(ours));
                break;
            case RpcCommand.FreeBuffer:
                remapper.OnFreed(recordedHandle);
                break;
        }
    }
}
