using Microsoft.Extensions.Logging;

namespace RpcWorker.Host;

/// <summary>Source-generated log messages of the host (event ids 4xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Warning,
        "Binding to {Host}, which is not a loopback address: the RPC protocol has no authentication, anyone who can reach this port can use this machine. Never expose it to an untrusted network.",
        EventName = "NotLoopback")]
    public static partial void NotLoopback(ILogger logger, string host);

    [LoggerMessage(4001, LogLevel.Information, "Stopping: closing sessions and freeing their buffers", EventName = "Stopping")]
    public static partial void Stopping(ILogger logger);
}
