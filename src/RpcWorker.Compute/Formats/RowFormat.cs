namespace RpcWorker.Compute.Formats;

/// <summary>
/// How rows of one tensor type convert to and from F32 and take part in dot products (ggml's <c>type_traits</c> and
/// <c>type_traits_cpu</c>). Lengths are element counts, multiples of the type's block size.
/// </summary>
public abstract unsafe class RowFormat
{
    public abstract GgmlType Type { get; }

    /// <summary>Converts <paramref name="n"/> elements to float (dequantizes).</summary>
    public abstract void ToFloat(byte* src, float* dst, long n);

    /// <summary>True when <see cref="FromFloat"/> is implemented (ggml-cpu has <c>from_float</c> for the type).</summary>
    public virtual bool CanFromFloat => false;

    /// <summary>Converts <paramref name="n"/> floats into this format, bit-exact with ggml's reference quantizer.</summary>
    public virtual void FromFloat(float* src, byte* dst, long n) =>
        throw new NotSupportedException($"ggml-cpu cannot convert f32 to {TypeTraits.Get(Type).Name}");

    /// <summary>The format the other operand of a dot product is converted into (<c>vec_dot_type</c>).</summary>
    public virtual GgmlType VecDotType => Type;

    /// <summary>True when <see cref="VecDot"/> is implemented.</summary>
    public virtual bool CanVecDot => false;

    /// <summary>Dot product of <paramref name="n"/> elements: <paramref name="x"/> in this format, <paramref name="y"/> in <see cref="VecDotType"/>.</summary>
    public virtual float VecDot(long n, byte* x, byte* y) =>
        throw new NotSupportedException($"no dot product for {TypeTraits.Get(Type).Name}");

    /// <summary>
    /// A block of a matrix product: <c>d[j][rowOffset + i] = VecDot(n, a + i·lda, b[j])</c> for <c>i &lt; rows</c> and
    /// <c>j &lt; cols</c>, each <c>b[j]</c> a row in <see cref="VecDotType"/>. Formats override it with register tiles that
    /// reuse each loaded weight block across several columns (prefill) and each activation block across several rows
    /// (decode); the results must equal <see cref="VecDot"/>'s to float rounding.
    /// </summary>
    public virtual void DotTile(long n, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
    {
        for (int j = 0; j < cols; j++)
        {
            byte* col = b[j];
            float* dst = d[j] + rowOffset;
            for (long i = 0; i < rows; i++)
            {
                dst[i] = VecDot(n, a + (i * lda), col);
            }
        }
    }
}
