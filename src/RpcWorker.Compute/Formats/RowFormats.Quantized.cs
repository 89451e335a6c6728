namespace RpcWorker.Compute.Formats;

public static partial class RowFormats
{
    static partial void RegisterQuantized()
    {
        RegisterKQuants();
        RegisterIQuants();
    }

    /// <summary>Legacy (Q4_0..Q8_1), K-quant, ternary, FP4 and Q1_0/Q2_0 formats (RowFormats.KQuants.cs).</summary>
    static partial void RegisterKQuants();

    /// <summary>IQ formats (RowFormats.IQuants.cs).</summary>
    static partial void RegisterIQuants();
}
