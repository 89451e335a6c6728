namespace RpcWorker.Server.Memory;

/// <summary>
/// Where a validated wire tensor's bytes are: the session buffer holding them (null when the tensor has none) and its
/// address and extent. Locating a tensor allocates nothing, so data commands (SET/GET/COPY/MEMSET) stay allocation-free.
/// </summary>
internal readonly record struct TensorLocation(RemoteBuffer? Buffer, ulong Address, ulong NBytes);
