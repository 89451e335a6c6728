using System.Runtime.CompilerServices;

namespace RpcWorker.Compute;

/// <summary>Four 64-bit dimensions or strides (<c>ne</c>/<c>nb</c>), stored inline.</summary>
[InlineArray(Tensor.MaxDims)]
public struct Dims4
{
    private long _element0;
}
