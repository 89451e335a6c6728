namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>How a float kernel reads one element type of weight rows (F32, F16 or BF16) as floats.</summary>
internal unsafe interface IWeightFormat
{
    /// <summary>Bytes per element.</summary>
    static abstract int ElementSize { get; }

    /// <summary>Elements [<paramref name="i"/>, <paramref name="i"/> + Count) of <paramref name="row"/> as a float vector.</summary>
    static abstract TVec Load<TOps, TVec>(byte* row, long i)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged;

    /// <summary>Elements [<paramref name="i"/>, <paramref name="i"/> + 2·Count) of <paramref name="row"/> as two float vectors.</summary>
    static abstract void LoadPair<TOps, TVec>(byte* row, long i, out TVec lo, out TVec hi)
        where TOps : ISimdOps<TVec>
        where TVec : unmanaged;

    /// <summary>Element <paramref name="i"/> of <paramref name="row"/>.</summary>
    static abstract float LoadScalar(byte* row, long i);
}
