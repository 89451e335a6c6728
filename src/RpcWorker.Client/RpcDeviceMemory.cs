namespace RpcWorker.Client;

/// <summary>The reply to GET_DEVICE_MEMORY, in bytes.</summary>
public readonly record struct RpcDeviceMemory(ulong Free, ulong Total);
