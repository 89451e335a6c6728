namespace RpcWorker.Conformance;

/// <summary>A request of the transcript cannot be translated to our server's handles (the session cannot go on).</summary>
public sealed class ReplayException(string message) : Exception(message);
