using RpcWorker.Compute.Formats.Quants;

namespace RpcWorker.Compute.Formats;

public static partial class RowFormats
{
    static partial void RegisterKQuants()
    {
        SimdLevel simd = SimdSupport.Active;
        Register(new Q4_0Format(simd));
        Register(new Q4_1Format(simd));
        Register(new Q5_0Format(simd));
        Register(new Q5_1Format(simd));
        Register(new Q8_0Format(simd));
        Register(new Q8_1Format());
        Register(new Q2_KFormat(simd));
        Register(new Q3_KFormat(simd));
        Register(new Q4_KFormat(simd));
        Register(new Q5_KFormat(simd));
        Register(new Q6_KFormat(simd));
        Register(new Q8_KFormat());
        Register(new Tq1_0Format());
        Register(new Tq2_0Format(simd));
        Register(new Mxfp4Format(simd));
        Register(new Nvfp4Format());
        Register(new Q1_0Format());
        Register(new Q2_0Format());
    }
}
