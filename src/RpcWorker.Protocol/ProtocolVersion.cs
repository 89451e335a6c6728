namespace RpcWorker.Protocol;

/// <summary>The protocol version this worker speaks, and the client's acceptance rule.</summary>
public readonly record struct ProtocolVersion(byte Major, byte Minor, byte Patch)
{
    /// <summary>Protocol 5.1.0: llama.cpp builds of August 2026, 101 ggml ops.</summary>
    public static ProtocolVersion Current { get; } = new(5, 1, 0);

    /// <summary>A client of version <paramref name="client"/> accepts this server when the majors match and our minor is not newer.</summary>
    public bool IsAcceptedBy(ProtocolVersion client) => Major == client.Major && Minor <= client.Minor;

    public override string ToString() => $"{Major}.{Minor}.{Patch}";
}
