using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.MatMul;

/// <summary>Which <see cref="MatMulSimd"/> widths this machine runs, and the one the registered kernels use.</summary>
internal static class MatMulSimdLevels
{
    public const string EnvironmentVariable = "RPCWORKER_MATMUL_SIMD";

    /// <summary>The widest accelerated width, capped by <see cref="EnvironmentVariable"/>.</summary>
    public static MatMulSimd Best { get; } = Cap(Widest(), Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>Every width the machine can run, narrowest first (always includes <see cref="MatMulSimd.Scalar"/>).</summary>
    public static IReadOnlyList<MatMulSimd> Supported { get; } = BuildSupported();

    public static bool IsSupported(MatMulSimd simd) => simd switch
    {
        MatMulSimd.Scalar => true,
        MatMulSimd.Vector128 => Vector128.IsHardwareAccelerated,
        MatMulSimd.Vector256 => Vector256.IsHardwareAccelerated,
        MatMulSimd.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    internal static MatMulSimd Cap(MatMulSimd widest, string? setting)
    {
        MatMulSimd? cap = setting?.Trim().ToLowerInvariant() switch
        {
            "scalar" or "0" => MatMulSimd.Scalar,
            "128" => MatMulSimd.Vector128,
            "256" => MatMulSimd.Vector256,
            "512" => MatMulSimd.Vector512,
            _ => null,
        };
        return cap is { } c && c < widest ? c : widest;
    }

    private static MatMulSimd Widest()
    {
        for (MatMulSimd s = MatMulSimd.Vector512; s > MatMulSimd.Scalar; s--)
        {
            if (IsSupported(s))
            {
                return s;
            }
        }
        return MatMulSimd.Scalar;
    }

    private static MatMulSimd[] BuildSupported()
    {
        var list = new List<MatMulSimd>();
        for (MatMulSimd s = MatMulSimd.Scalar; s <= MatMulSimd.Vector512; s++)
        {
            if (IsSupported(s))
            {
                list.Add(s);
            }
        }
        return [.. list];
    }
}
