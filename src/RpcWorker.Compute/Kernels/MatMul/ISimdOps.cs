namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>
/// Float vector operations of one width, as static members so that generic kernels instantiated over a struct
/// implementation compile to straight-line SIMD code (the scalar implementation is the reference path).
/// </summary>
internal unsafe interface ISimdOps<TVec>
    where TVec : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(float* p);

    static abstract void Store(TVec value, float* p);

    /// <summary>A vector with every element equal to *<paramref name="p"/>.</summary>
    static abstract TVec Broadcast(float* p);

    /// <summary>Loads <see cref="Count"/> fp16 values as floats (exact).</summary>
    static abstract TVec LoadHalf(ushort* p);

    /// <summary>Loads <see cref="Count"/> bf16 values as floats (exact).</summary>
    static abstract TVec LoadBf16(ushort* p);

    /// <summary>Loads 2·<see cref="Count"/> fp16 values as floats: the first <see cref="Count"/> into <paramref name="lo"/>, the rest into <paramref name="hi"/> (exact).</summary>
    static abstract void LoadHalfPair(ushort* p, out TVec lo, out TVec hi);

    /// <summary>Loads 2·<see cref="Count"/> bf16 values as floats: the first <see cref="Count"/> into <paramref name="lo"/>, the rest into <paramref name="hi"/> (exact).</summary>
    static abstract void LoadBf16Pair(ushort* p, out TVec lo, out TVec hi);

    /// <summary><paramref name="a"/>·<paramref name="b"/> + <paramref name="c"/> (fused where the hardware has FMA).</summary>
    static abstract TVec MulAdd(TVec a, TVec b, TVec c);

    static abstract TVec Add(TVec a, TVec b);

    static abstract float Sum(TVec value);
}
