namespace RpcWorker.Compute.Formats;

/// <summary>The row format of every type the engine can read. Quantized families register in their own files.</summary>
public static partial class RowFormats
{
    private static readonly RowFormat?[] s_table = new RowFormat?[64];

    static RowFormats()
    {
        Register(new F32Format());
        Register(new F16Format());
        Register(new Bf16Format());
        RegisterQuantized();
    }

    static partial void RegisterQuantized();

    /// <summary>The format of <paramref name="type"/>, or null when the engine cannot read it.</summary>
    public static RowFormat? Find(GgmlType type) => (uint)type < (uint)s_table.Length ? s_table[(int)type] : null;

    /// <summary>The format of <paramref name="type"/>; throws when absent (call after validation).</summary>
    public static RowFormat Get(GgmlType type) =>
        Find(type) ?? throw new NotSupportedException($"no row format for {TypeTraits.Get(type).Name}");

    private static void Register(RowFormat format) => s_table[(int)format.Type] = format;
}
