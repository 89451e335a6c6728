namespace RpcWorker.Compute;

/// <summary>
/// A validated tensor view over worker memory: type, shape (<see cref="Ne"/>), byte strides (<see cref="Nb"/>), the op that
/// produces it and its sources. <see cref="Data"/> points into a live <see cref="NativeBuffer"/>; whoever builds a tensor
/// guarantees that every element addressed by <c>Ne</c>/<c>Nb</c> lies inside that buffer.
/// </summary>
public sealed unsafe class Tensor
{
    public const int MaxDims = 4;
    public const int MaxSrc = 10;
    public const int MaxOpParams = 16;

    public GgmlType Type;
    public Dims4 Ne;
    public Dims4 Nb;
    public GgmlOp Op;
    public OpParams Params;
    public int Flags;
    public readonly Tensor?[] Src = new Tensor?[MaxSrc];
    public Tensor? ViewSrc;
    public long ViewOffs;

    /// <summary>Address of element 0 (native memory), or 0 when the tensor has no storage here.</summary>
    public nint Data;
    public string Name = string.Empty;

    /// <summary>How many graph nodes use this tensor (protocol 5.1.0 <c>use_count</c>); 0 outside graphs.</summary>
    public int UseCount;

    public byte* DataPtr => (byte*)Data;

    public TypeInfo Info => TypeTraits.Get(Type);

    public long NElements => Ne[0] * Ne[1] * Ne[2] * Ne[3];

    /// <summary><c>ggml_nrows</c>: rows = ne1·ne2·ne3.</summary>
    public long NRows => Ne[1] * Ne[2] * Ne[3];

    /// <summary><c>ggml_is_empty</c>: some dimension is zero.</summary>
    public bool IsEmpty => Ne[0] == 0 || Ne[1] == 0 || Ne[2] == 0 || Ne[3] == 0;

    /// <summary><c>ggml_nbytes</c>: the byte extent addressed by the shape and strides.</summary>
    public long NBytes => TensorLayout.NBytes(Type, Ne, Nb);

    /// <summary><c>ggml_row_size(type, ne[0])</c>.</summary>
    public long RowSize => TypeTraits.RowSize(Type, Ne[0]);

    public bool IsContiguous => TensorLayout.IsContiguousN(this, 0);

    public bool IsContiguous1 => TensorLayout.IsContiguousN(this, 1);

    public bool IsContiguous2 => TensorLayout.IsContiguousN(this, 2);

    /// <summary><c>ggml_is_contiguous_rows</c>: elements inside a row are packed.</summary>
    public bool IsContiguousRows => Ne[0] == Info.BlockSize || Nb[0] == Info.TypeSize;

    /// <summary><c>ggml_is_transposed</c>.</summary>
    public bool IsTransposed => Nb[0] > Nb[1];

    /// <summary><c>ggml_is_permuted</c>.</summary>
    public bool IsPermuted => Nb[0] > Nb[1] || Nb[1] > Nb[2] || Nb[2] > Nb[3];

    /// <summary>Address of element (i0,i1,i2,i3) for types with block size 1.</summary>
    public byte* ElementPtr(long i0, long i1, long i2, long i3) =>
        DataPtr + i0 * Nb[0] + i1 * Nb[1] + i2 * Nb[2] + i3 * Nb[3];

    /// <summary>Address of row (i1,i2,i3).</summary>
    public byte* RowPtr(long i1, long i2, long i3) => DataPtr + i1 * Nb[1] + i2 * Nb[2] + i3 * Nb[3];

    /// <summary>Short description for logs: <c>name:type[ne0,ne1,ne2,ne3]</c>.</summary>
    public override string ToString() => $"{Name}:{Info.Name}[{Ne[0]},{Ne[1]},{Ne[2]},{Ne[3]}]";
}
