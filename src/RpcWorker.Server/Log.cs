using System.Net;
using Microsoft.Extensions.Logging;
using RpcWorker.Protocol;

namespace RpcWorker.Server;

/// <summary>Source-generated log messages of the server (event ids 1xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Listening on {EndPoint}", EventName = "Listening")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(1001, LogLevel.Information, "Session {SessionId}: accepted {Remote}", EventName = "SessionStarted")]
    public static partial void SessionStarted(ILogger logger, long sessionId, EndPoint? remote);

    [LoggerMessage(1002, LogLevel.Information, "Session {SessionId}: closed, freed {Buffers} buffers ({Bytes} bytes)", EventName = "SessionEnded")]
    public static partial void SessionEnded(ILogger logger, long sessionId, int buffers, ulong bytes);

    [LoggerMessage(1003, LogLevel.Debug, "Session {SessionId}: client disconnected", EventName = "ClientDisconnected")]
    public static partial void ClientDisconnected(ILogger logger, long sessionId);

    [LoggerMessage(1004, LogLevel.Debug, "Session {SessionId}: client disconnected inside a {Command} request", EventName = "TruncatedRequest")]
    public static partial void TruncatedRequest(ILogger logger, long sessionId, RpcCommand command);

    [LoggerMessage(1005, LogLevel.Debug, "Session {SessionId}: closing because the server is stopping", EventName = "SessionStopping")]
    public static partial void SessionStopping(ILogger logger, long sessionId);

    [LoggerMessage(1006, LogLevel.Trace, "Session {SessionId}: {Command} with a {PayloadSize}-byte payload", EventName = "Request")]
    public static partial void Request(ILogger logger, long sessionId, RpcCommand command, ulong payloadSize);

    [LoggerMessage(1010, LogLevel.Warning, "Session {SessionId}: {Command} rejected: {Reason}; closing the session", EventName = "ProtocolViolation")]
    public static partial void ProtocolViolation(ILogger logger, long sessionId, RpcCommand command, string reason);

    [LoggerMessage(1011, LogLevel.Warning, "Session {SessionId}: invalid request header (command byte {CommandByte}, {Error}); closing the session", EventName = "InvalidFrame")]
    public static partial void InvalidFrame(ILogger logger, long sessionId, byte commandByte, FrameError error);

    [LoggerMessage(1012, LogLevel.Warning, "Session {SessionId}: first command was {Command}, not HELLO (update client); closing the session", EventName = "CommandBeforeHello")]
    public static partial void CommandBeforeHello(ILogger logger, long sessionId, RpcCommand command);

    [LoggerMessage(1020, LogLevel.Warning, "Session {SessionId}: {Message}; closing the session", EventName = "UnsupportedOp")]
    public static partial void UnsupportedOp(ILogger logger, long sessionId, string message);

    [LoggerMessage(1021, LogLevel.Warning, "Session {SessionId}: graph compute failed: {Message}; closing the session", EventName = "ComputeFailed")]
    public static partial void ComputeFailed(ILogger logger, long sessionId, string message);

    [LoggerMessage(1030, LogLevel.Error, "Session {SessionId}: unexpected failure; closing the session", EventName = "SessionCrashed")]
    public static partial void SessionCrashed(ILogger logger, long sessionId, Exception exception);

    [LoggerMessage(1040, LogLevel.Warning, "Accepting a connection failed", EventName = "AcceptFailed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(1041, LogLevel.Debug, "Socket {Direction} loop ended: {Message}", EventName = "SocketError")]
    public static partial void SocketError(ILogger logger, string direction, string message);

    [LoggerMessage(1050, LogLevel.Debug, "Session {SessionId}: ALLOC_BUFFER of {Size} bytes refused (memory cap or buffer count)", EventName = "AllocationRefused")]
    public static partial void AllocationRefused(ILogger logger, long sessionId, ulong size);

    [LoggerMessage(1060, LogLevel.Debug, "Tensor cache hit {Hash:x16} ({Size} bytes)", EventName = "CacheHit")]
    public static partial void CacheHit(ILogger logger, ulong hash, ulong size);

    [LoggerMessage(1061, LogLevel.Debug, "Tensor cache stored {Hash:x16} ({Size} bytes)", EventName = "CacheStored")]
    public static partial void CacheStored(ILogger logger, ulong hash, ulong size);

    [LoggerMessage(1062, LogLevel.Warning, "Tensor cache file {Path} is corrupt or does not fit the request; ignored", EventName = "CacheCorrupt")]
    public static partial void CacheCorrupt(ILogger logger, string path);

    [LoggerMessage(1063, LogLevel.Warning, "Tensor cache I/O failed for {Path}: {Message}", EventName = "CacheIoFailed")]
    public static partial void CacheIoFailed(ILogger logger, string path, string message);

    [LoggerMessage(1064, LogLevel.Debug, "Tensor cache evicted {Path}", EventName = "CacheEvicted")]
    public static partial void CacheEvicted(ILogger logger, string path);
}
