namespace RpcWorker.Protocol;

/// <summary>Caps on the variable-size requests, checked from the 9-byte header before any payload is buffered.</summary>
public sealed record FrameLimits
{
    /// <summary>Largest SET_TENSOR payload by default (64 GiB); a larger header is rejected before reading on.</summary>
    public const ulong DefaultMaxSetTensorPayload = 64UL << 30;

    /// <summary>Largest GRAPH_COMPUTE payload by default (256 MiB, ~900k tensor records).</summary>
    public const ulong DefaultMaxGraphComputePayload = 256UL << 20;

    public static FrameLimits Default { get; } = new();

    /// <summary>SET_TENSOR payloads must lie in [304, this].</summary>
    public ulong MaxSetTensorPayload { get; init; } = DefaultMaxSetTensorPayload;

    /// <summary>GRAPH_COMPUTE payloads must lie in [12, this]; the whole payload is buffered, so keep it far below 2 GiB.</summary>
    public ulong MaxGraphComputePayload { get; init; } = DefaultMaxGraphComputePayload;
}
