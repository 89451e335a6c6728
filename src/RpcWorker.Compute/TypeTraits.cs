using System.Diagnostics.CodeAnalysis;

namespace RpcWorker.Compute;

/// <summary>The type table of ggml at 5.1.0 (<c>type_traits</c> in ggml.c): block sizes and byte sizes.</summary>
public static class TypeTraits
{
    private static readonly TypeInfo?[] s_table = Build();

    private static TypeInfo?[] Build()
    {
        var t = new TypeInfo?[43];
        void Add(GgmlType type, int blockSize, int typeSize, bool quantized) =>
            t[(int)type] = new TypeInfo(type, type.ToString().ToLowerInvariant(), blockSize, typeSize, quantized);

        Add(GgmlType.F32, 1, 4, false);
        Add(GgmlType.F16, 1, 2, false);
        Add(GgmlType.Q4_0, 32, 18, true);
        Add(GgmlType.Q4_1, 32, 20, true);
        Add(GgmlType.Q5_0, 32, 22, true);
        Add(GgmlType.Q5_1, 32, 24, true);
        Add(GgmlType.Q8_0, 32, 34, true);
        Add(GgmlType.Q8_1, 32, 36, true);
        Add(GgmlType.Q2_K, 256, 84, true);
        Add(GgmlType.Q3_K, 256, 110, true);
        Add(GgmlType.Q4_K, 256, 144, true);
        Add(GgmlType.Q5_K, 256, 176, true);
        Add(GgmlType.Q6_K, 256, 210, true);
        Add(GgmlType.Q8_K, 256, 292, true);
        Add(GgmlType.IQ2_XXS, 256, 66, true);
        Add(GgmlType.IQ2_XS, 256, 74, true);
        Add(GgmlType.IQ3_XXS, 256, 98, true);
        Add(GgmlType.IQ1_S, 256, 50, true);
        Add(GgmlType.IQ4_NL, 32, 18, true);
        Add(GgmlType.IQ3_S, 256, 110, true);
        Add(GgmlType.IQ2_S, 256, 82, true);
        Add(GgmlType.IQ4_XS, 256, 136, true);
        Add(GgmlType.I8, 1, 1, false);
        Add(GgmlType.I16, 1, 2, false);
        Add(GgmlType.I32, 1, 4, false);
        Add(GgmlType.I64, 1, 8, false);
        Add(GgmlType.F64, 1, 8, false);
        Add(GgmlType.IQ1_M, 256, 56, true);
        Add(GgmlType.BF16, 1, 2, false);
        Add(GgmlType.TQ1_0, 256, 54, true);
        Add(GgmlType.TQ2_0, 256, 66, true);
        Add(GgmlType.MXFP4, 32, 17, true);
        Add(GgmlType.NVFP4, 64, 36, true);
        Add(GgmlType.Q1_0, 128, 18, true);
        Add(GgmlType.Q2_0, 64, 18, true);
        return t;
    }

    /// <summary>Looks up a raw wire type id; false for ids ≥ 43 and the removed ids (block size 0).</summary>
    public static bool TryGet(uint type, [NotNullWhen(true)] out TypeInfo? info)
    {
        info = type < (uint)s_table.Length ? s_table[type] : null;
        return info is not null;
    }

    /// <summary>The facts of a known type.</summary>
    public static TypeInfo Get(GgmlType type) =>
        (uint)type < (uint)s_table.Length && s_table[(int)type] is { } info
            ? info
            : throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ggml type.");

    public static int BlockSize(GgmlType type) => Get(type).BlockSize;

    public static int TypeSize(GgmlType type) => Get(type).TypeSize;

    /// <summary><c>ggml_row_size</c>: bytes of <paramref name="ne"/> elements (a multiple of the block size).</summary>
    public static long RowSize(GgmlType type, long ne)
    {
        TypeInfo info = Get(type);
        return checked(info.TypeSize * (ne / info.BlockSize));
    }
}
