using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>The GLU operators as ggml-cpu computes them (vec.h <c>ggml_vec_*glu_*</c>, ops.cpp SWIGLU_OAI).</summary>
internal static unsafe class GluOperators
{
    /// <summary>REGLU: <c>x &gt; 0 ? x·g : 0</c>.</summary>
    internal readonly struct Reglu : IGluOperator<Reglu>
    {
        public static Reglu Create(Tensor node) => default;

        public float Invoke(float x, float g) => x > 0.0f ? x * g : 0.0f;

        public void ApplyF32(float* x, float* g, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i], g[i]);
            }
        }
    }

    /// <summary>GEGLU: table GELU of x times g (F32 inputs at or beyond ±10 bypass the table).</summary>
    internal readonly struct Geglu : IGluOperator<Geglu>
    {
        public static ushort[]? HalfTable => GeluTables.Gelu;

        public static Geglu Create(Tensor node) => default;

        public float Invoke(float x, float g) =>
            x <= -10.0f ? 0.0f : x >= 10.0f ? x * g : Fp16.ToSingle(GeluTables.Gelu[Fp16.FromSingle(x)]) * g;

        public void ApplyF32(float* x, float* g, float* y, int n) => TableF32(GeluTables.Gelu, x, g, y, n, clampAtTen: true);
    }

    /// <summary>SWIGLU: <c>silu(x)·g</c>, ggml's vector <c>expf</c> on F32 rows.</summary>
    internal readonly struct Swiglu : IGluOperator<Swiglu>
    {
        public static Swiglu Create(Tensor node) => default;

        public float Invoke(float x, float g) => x / (1.0f + MathF.Exp(-x)) * g;

        public void ApplyF32(float* x, float* g, float* y, int n) => GgmlVecMath.Swiglu(x, g, y, n);
    }

    /// <summary>SWIGLU_OAI (op_params alpha [2], limit [3]): <c>min(x,limit)·σ(alpha·x) · (clamp(g,±limit)+1)</c>.</summary>
    internal readonly struct SwigluOai : IGluOperator<SwigluOai>
    {
        private readonly float _alpha;
        private readonly float _limit;

        private SwigluOai(float alpha, float limit)
        {
            _alpha = alpha;
            _limit = limit;
        }

        public static bool F32Only => true;

        public static SwigluOai Create(Tensor node) => new(node.Params.GetFloat(2), node.Params.GetFloat(3));

        public float Invoke(float x, float g)
        {
            float xc = _limit < x ? _limit : x;
            float yc = g < -_limit ? -_limit : _limit < g ? _limit : g;
            float outGlu = xc / (1.0f + MathF.Exp(_alpha * -xc));
            return outGlu * (yc + 1.0f);
        }

        public void ApplyF32(float* x, float* g, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i], g[i]);
            }
        }
    }

    /// <summary>GEGLU_ERF: exact GELU (<c>erff</c>) of x times g.</summary>
    internal readonly struct GegluErf : IGluOperator<GegluErf>
    {
        public static GegluErf Create(Tensor node) => default;

        public float Invoke(float x, float g) => 0.5f * x * (1.0f + ScalarMath.Erf(x * GeluTables.Sqrt2Inv)) * g;

        public void ApplyF32(float* x, float* g, float* y, int n)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Invoke(x[i], g[i]);
            }
        }
    }

    /// <summary>GEGLU_QUICK: table quick GELU of x times g.</summary>
    internal readonly struct GegluQuick : IGluOperator<GegluQuick>
    {
        public static ushort[]? HalfTable => GeluTables.GeluQuick;

        public static GegluQuick Create(Tensor node) => default;

        public float Invoke(float x, float g) => Fp16.ToSingle(GeluTables.GeluQuick[Fp16.FromSingle(x)]) * g;

        public void ApplyF32(float* x, float* g, float* y, int n) => TableF32(GeluTables.GeluQuick, x, g, y, n, clampAtTen: false);
    }

    [System.Runtime.CompilerServices.SkipLocalsInit]
    private static void TableF32(ushort[] table, float* x, float* g, float* y, int n, bool clampAtTen)
    {
        ushort* h = stackalloc ushort[Elementwise.RowConvert.Chunk];
        fixed (ushort* t = table)
        {
            for (int i0 = 0; i0 < n; i0 += Elementwise.RowConvert.Chunk)
            {
                int len = Math.Min(Elementwise.RowConvert.Chunk, n - i0);
                float* xs = x + i0;
                float* gs = g + i0;
                float* ys = y + i0;
                Fp16.FromSingle(xs, h, len);
                for (int i = 0; i < len; i++)
                {
                    float v = xs[i];
                    ys[i] = clampAtTen && v <= -10.0f ? 0.0f
                        : clampAtTen && v >= 10.0f ? v * gs[i]
                        : Fp16.ToSingle(t[h[i]]) * gs[i];
                }
            }
        }
    }
}
