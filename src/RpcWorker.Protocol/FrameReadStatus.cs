namespace RpcWorker.Protocol;

/// <summary>Outcome of a <see cref="FrameReader"/> call.</summary>
public enum FrameReadStatus
{
    /// <summary>The buffer ends before the header (or frame) does; read more and try again.</summary>
    NeedMoreData,

    /// <summary>A valid header (or whole frame) was read.</summary>
    Ok,

    /// <summary>The header breaks the protocol; the connection must be closed. See <see cref="FrameError"/>.</summary>
    Invalid,
}
