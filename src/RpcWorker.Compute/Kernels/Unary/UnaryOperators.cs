using System.Numerics.Tensors;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>The element-wise unary operators, each as ggml-cpu computes it (unary-ops.cpp, vec.h, ops.cpp).</summary>
internal static unsafe class UnaryOperators
{
    /// <summary><c>fabsf</c>.</summary>
    internal readonly struct Abs : IUnaryOperator<Abs>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Abs Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Abs(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Abs(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary>sign, 0 for zero and NaN.</summary>
    internal readonly struct Sgn : IUnaryOperator<Sgn>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Sgn Create(Tensor node) => default;

        public float Invoke(float x) => x > 0f ? 1f : x < 0f ? -1f : 0f;

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>negation.</summary>
    internal readonly struct Neg : IUnaryOperator<Neg>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Neg Create(Tensor node) => default;

        public float Invoke(float x) => -x;

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Negate(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary>Heaviside step.</summary>
    internal readonly struct Step : IUnaryOperator<Step>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Step Create(Tensor node) => default;

        public float Invoke(float x) => x > 0f ? 1f : 0f;

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>tanhf</c>.</summary>
    internal readonly struct Tanh : IUnaryOperator<Tanh>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Tanh Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Tanh(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>ELU with alpha 1 (<c>expm1f</c>).</summary>
    internal readonly struct Elu : IUnaryOperator<Elu>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Elu Create(Tensor node) => default;

        public float Invoke(float x) => x > 0f ? x : ScalarMath.Expm1(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>ReLU (NaN gives 0).</summary>
    internal readonly struct Relu : IUnaryOperator<Relu>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Relu Create(Tensor node) => default;

        public float Invoke(float x) => x > 0f ? x : 0f;

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>logistic sigmoid.</summary>
    internal readonly struct Sigmoid : IUnaryOperator<Sigmoid>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Sigmoid Create(Tensor node) => default;

        public float Invoke(float x) => 1f / (1f + MathF.Exp(-x));

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>fminf(1, fmaxf(0, (x+3)/6))</c>.</summary>
    internal readonly struct HardSigmoid : IUnaryOperator<HardSigmoid>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static HardSigmoid Create(Tensor node) => default;

        public float Invoke(float x) => float.MinNumber(1.0f, float.MaxNumber(0.0f, (x + 3.0f) / 6.0f));

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>x times hard sigmoid.</summary>
    internal readonly struct HardSwish : IUnaryOperator<HardSwish>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static HardSwish Create(Tensor node) => default;

        public float Invoke(float x) => x * float.MinNumber(1.0f, float.MaxNumber(0.0f, (x + 3.0f) / 6.0f));

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>expf</c>.</summary>
    internal readonly struct Exp : IUnaryOperator<Exp>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Exp Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Exp(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>ggml's EXPM1: <c>expf(x) - 1</c> (not <c>expm1f</c>).</summary>
    internal readonly struct Expm1 : IUnaryOperator<Expm1>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Expm1 Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Exp(x) - 1.0f;

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>log(1+exp(x))</c>, identity above 20.</summary>
    internal readonly struct Softplus : IUnaryOperator<Softplus>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Softplus Create(Tensor node) => default;

        public float Invoke(float x) => x > 20.0f ? x : MathF.Log(1.0f + MathF.Exp(x));

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>floorf</c>.</summary>
    internal readonly struct Floor : IUnaryOperator<Floor>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Floor Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Floor(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Floor(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary><c>ceilf</c>.</summary>
    internal readonly struct Ceil : IUnaryOperator<Ceil>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Ceil Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Ceiling(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Ceiling(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary><c>roundf</c> (halves away from zero).</summary>
    internal readonly struct Round : IUnaryOperator<Round>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Round Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Round(x, MidpointRounding.AwayFromZero);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>truncf</c>.</summary>
    internal readonly struct Trunc : IUnaryOperator<Trunc>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Trunc Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Truncate(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Truncate(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary>square (GGML_OP_SQR).</summary>
    internal readonly struct Sqr : IUnaryOperator<Sqr>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Sqr Create(Tensor node) => default;

        public float Invoke(float x) => x * x;

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary><c>sqrtf</c> (GGML_OP_SQRT).</summary>
    internal readonly struct Sqrt : IUnaryOperator<Sqrt>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Sqrt Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Sqrt(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            TensorPrimitives.Sqrt(new ReadOnlySpan<float>(x, n), new Span<float>(y, n));
        }
    }

    /// <summary><c>logf</c> (GGML_OP_LOG).</summary>
    internal readonly struct Log : IUnaryOperator<Log>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Log Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Log(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>sinf</c> (GGML_OP_SIN).</summary>
    internal readonly struct Sin : IUnaryOperator<Sin>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Sin Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Sin(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary><c>cosf</c> (GGML_OP_COS).</summary>
    internal readonly struct Cos : IUnaryOperator<Cos>
    {
        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static Cos Create(Tensor node) => default;

        public float Invoke(float x) => MathF.Cos(x);

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>exact GELU with <c>erff</c>.</summary>
    internal readonly struct GeluErf : IUnaryOperator<GeluErf>
    {
        public static UnaryTypes Types => UnaryTypes.F32OrF16;

        public static GeluErf Create(Tensor node) => default;

        public float Invoke(float x) => 0.5f * x * (1.0f + ScalarMath.Erf(x * GeluTables.Sqrt2Inv));

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>GELU, tanh approximation through ggml's fp16 table; F32 inputs at or beyond ±10 bypass the table.</summary>
    internal readonly struct Gelu : IUnaryOperator<Gelu>
    {
        public static UnaryTypes Types => UnaryTypes.F32OrF16;

        public static ushort[]? HalfTable => GeluTables.Gelu;

        public static Gelu Create(Tensor node) => default;

        public float Invoke(float x) =>
            x <= -10.0f ? 0.0f : x >= 10.0f ? x : Fp16.ToSingle(GeluTables.Gelu[Fp16.FromSingle(x)]);

        public void ApplyF32(float* x, float* y, int n) => TableF32(GeluTables.Gelu, x, y, n, clampAtTen: true);
    }

    /// <summary>Quick GELU <c>x·sigmoid(1.702x)</c> through ggml's fp16 table.</summary>
    internal readonly struct GeluQuick : IUnaryOperator<GeluQuick>
    {
        public static UnaryTypes Types => UnaryTypes.F32OrF16;

        public static ushort[]? HalfTable => GeluTables.GeluQuick;

        public static GeluQuick Create(Tensor node) => default;

        public float Invoke(float x) => Fp16.ToSingle(GeluTables.GeluQuick[Fp16.FromSingle(x)]);

        public void ApplyF32(float* x, float* y, int n) => TableF32(GeluTables.GeluQuick, x, y, n, clampAtTen: false);
    }

    /// <summary>SiLU <c>x/(1+exp(-x))</c>: ggml's vector <c>expf</c> on F32 rows, libm <c>expf</c> on F16.</summary>
    internal readonly struct Silu : IUnaryOperator<Silu>
    {
        public static UnaryTypes Types => UnaryTypes.F32OrF16;

        public static Silu Create(Tensor node) => default;

        public float Invoke(float x) => GgmlVecMath.Silu(x);

        public void ApplyF32(float* x, float* y, int n) => GgmlVecMath.Silu(x, y, n);
    }

    /// <summary>xIELU with op_params alpha_n [1], alpha_p [2], beta [3], eps [4] (already softplus-transformed by ggml).</summary>
    internal readonly struct Xielu : IUnaryOperator<Xielu>
    {
        private readonly float _alphaN;
        private readonly float _alphaP;
        private readonly float _beta;
        private readonly float _eps;

        private Xielu(float alphaN, float alphaP, float beta, float eps)
        {
            _alphaN = alphaN;
            _alphaP = alphaP;
            _beta = beta;
            _eps = eps;
        }

        public static UnaryTypes Types => UnaryTypes.Mixed;

        public static bool NeedsContiguous1 => true;

        public static Xielu Create(Tensor node) =>
            new(node.Params.GetFloat(1), node.Params.GetFloat(2), node.Params.GetFloat(3), node.Params.GetFloat(4));

        public float Invoke(float x) => x > 0.0f
            ? _alphaP * x * x + _beta * x
            : (ScalarMath.Expm1(float.MinNumber(x, _eps)) - x) * _alphaN + _beta * x;

        public void ApplyF32(float* x, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i]);
            }
        }
    }

    /// <summary>
    /// ggml's F32 table GELUs: round each value to fp16, look it up, widen the fp16 result. With <paramref name="clampAtTen"/>,
    /// values ≤ -10 give 0 and values ≥ 10 pass through (ggml_vec_gelu_f32).
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    private static void TableF32(ushort[] table, float* x, float* y, int n, bool clampAtTen)
    {
        ushort* h = stackalloc ushort[Elementwise.RowConvert.Chunk];
        fixed (ushort* t = table)
        {
            for (int i0 = 0; i0 < n; i0 += Elementwise.RowConvert.Chunk)
            {
                int len = Math.Min(Elementwise.RowConvert.Chunk, n - i0);
                float* xs = x + i0;
                float* ys = y + i0;
                Fp16.FromSingle(xs, h, len);
                for (int i = 0; i < len; i++)
                {
                    float v = xs[i];
                    ys[i] = clampAtTen && v <= -10.0f ? 0.0f
                        : clampAtTen && v >= 10.0f ? v
                        : Fp16.ToSingle(t[h[i]]);
                }
            }
        }
    }
}
