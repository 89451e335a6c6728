using RpcWorker.Compute;

namespace RpcWorker.Server.Memory;

/// <summary>A wire tensor after validation: the compute view, the session buffer holding it (if any) and its extent.</summary>
internal readonly record struct MappedTensor(Tensor Tensor, RemoteBuffer? Buffer, ulong Address, ulong NBytes);
