namespace RpcWorker.Protocol;

/// <summary>Why a request header was rejected.</summary>
public enum FrameError
{
    None,

    /// <summary>The command byte is not a 5.1.0 command (≥ 18).</summary>
    UnknownCommand,

    /// <summary>A fixed-size command declared a payload size other than its exact size.</summary>
    WrongSize,

    /// <summary>A variable-size command declared less than its minimum.</summary>
    TooSmall,

    /// <summary>A variable-size command declared more than its configured cap.</summary>
    TooLarge,
}
