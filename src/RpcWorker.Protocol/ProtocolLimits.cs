namespace RpcWorker.Protocol;

/// <summary>Fixed sizes and constants of protocol 5.1.0.</summary>
public static class ProtocolLimits
{
    /// <summary>Bytes before a request payload: 1 command byte + u64 size.</summary>
    public const int RequestHeaderSize = 9;

    /// <summary>Bytes before a response payload: u64 size.</summary>
    public const int ResponseHeaderSize = 8;

    /// <summary>Connection capabilities carried by HELLO (all zero: TCP only).</summary>
    public const int ConnCapsSize = 24;

    /// <summary>SET_TENSOR uploads larger than this are offered by hash first (10 MiB).</summary>
    public const ulong HashThreshold = 10UL * 1024 * 1024;

    /// <summary><c>GGML_OP_COUNT</c> at 5.1.0.</summary>
    public const int OpCount = 101;

    /// <summary><c>GGML_TYPE_COUNT</c> at 5.1.0.</summary>
    public const int TypeCount = 43;
}
