namespace RpcWorker.Compute;

/// <summary>Storage facts of one tensor type: elements per block and bytes per block.</summary>
public readonly record struct TypeInfo(GgmlType Type, string Name, int BlockSize, int TypeSize, bool IsQuantized);
