using System.Runtime.Intrinsics;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// Flash attention's value accumulation in F16 precision over a run of steps against value rows already widened to
/// F32: for each step t, <c>y = round16(y·ms[t])</c> where <c>ms[t] ≠ 1</c> (a new running maximum), then
/// <c>y = round16(v[idx[t]]·vs[t] + y)</c>. That is ggml's <c>ggml_vec_scale_f16</c> / <c>ggml_vec_mad_f16</c> on its
/// VKQ16 row, element by element, so the result is the same as rounding the whole row after every step; here each
/// slice of y stays in registers across all the steps (four independent vectors at a time to hide the rounding's
/// latency).
/// </summary>
internal static unsafe class HalfAccumulation
{
    public static void Run(float* y, float* v, int dv, int* idx, float* ms, float* vs, int steps, SimdLevel level)
    {
        int c = 0;
        if (level >= SimdLevel.Avx512)
        {
            for (; c + 64 <= dv; c += 64)
            {
                Four512(y + c, v + c, dv, idx, ms, vs, steps);
            }
            for (; c + 16 <= dv; c += 16)
            {
                One512(y + c, v + c, dv, idx, ms, vs, steps);
            }
        }
        else if (level >= SimdLevel.Avx2)
        {
            for (; c + 32 <= dv; c += 32)
            {
                Four256(y + c, v + c, dv, idx, ms, vs, steps);
            }
            for (; c + 8 <= dv; c += 8)
            {
                One256(y + c, v + c, dv, idx, ms, vs, steps);
            }
        }
        else if (level >= SimdLevel.Vector128)
        {
            for (; c + 4 <= dv; c += 4)
            {
                One128(y + c, v + c, dv, idx, ms, vs, steps);
            }
        }
        for (; c < dv; c++)
        {
            float acc = y[c];
            for (int t = 0; t < steps; t++)
            {
                if (ms[t] != 1.0f)
                {
                    acc = RowDot.RoundToHalf(acc * ms[t]);
                }
                acc = RowDot.RoundToHalf(MathF.FusedMultiplyAdd(v[((long)idx[t] * dv) + c], vs[t], acc));
            }
            y[c] = acc;
        }
    }

    private static void Four512(float* y, float* v, int dv, int* idx, float* ms, float* vs, int steps)
    {
        Vector512<float> a0 = Vector512.Load(y), a1 = Vector512.Load(y + 16), a2 = Vector512.Load(y + 32), a3 = Vector512.Load(y + 48);
        for (int t = 0; t < steps; t++)
        {
            if (ms[t] != 1.0f)
            {
                Vector512<float> m = Vector512.Create(ms[t]);
                a0 = RowDot.RoundToHalf(a0 * m);
                a1 = RowDot.RoundToHalf(a1 * m);
                a2 = RowDot.RoundToHalf(a2 * m);
                a3 = RowDot.RoundToHalf(a3 * m);
            }
            float* row = v + ((long)idx[t] * dv);
            Vector512<float> w = Vector512.Create(vs[t]);
            a0 = RowDot.RoundToHalf(Vector512.FusedMultiplyAdd(Vector512.Load(row), w, a0));
            a1 = RowDot.RoundToHalf(Vector512.FusedMultiplyAdd(Vector512.Load(row + 16), w, a1));
            a2 = RowDot.RoundToHalf(Vector512.FusedMultiplyAdd(Vector512.Load(row + 32), w, a2));
            a3 = RowDot.RoundToHalf(Vector512.FusedMultiplyAdd(Vector512.Load(row + 48), w, a3));
        }
        a0.Store(y);
        a1.Store(y + 16);
        a2.Store(y + 32);
        a3.Store(y + 48);
    }

    private static void One512(float* y, float* v, int dv, int* idx, float* ms, float* vs, int steps)
    {
        Vector512<float> a = Vector512.Load(y);
        for (int t = 0; t < steps; t++)
        {
            if (ms[t] != 1.0f)
            {
                a = RowDot.RoundToHalf(a * Vector512.Create(ms[t]));
            }
            a = RowDot.RoundToHalf(Vector512.FusedMultiplyAdd(Vector512.Load(v + ((long)idx[t] * dv)), Vector512.Create(vs[t]), a));
        }
        a.Store(y);
    }

    private static void Four256(float* y, float* v, int dv, int* idx, float* ms, float* vs, int steps)
    {
        Vector256<float> a0 = Vector256.Load(y), a1 = Vector256.Load(y + 8), a2 = Vector256.Load(y + 16), a3 = Vector256.Load(y + 24);
        for (int t = 0; t < steps; t++)
        {
            if (ms[t] != 1.0f)
            {
                Vector256<float> m = Vector256.Create(ms[t]);
                a0 = RowDot.RoundToHalf(a0 * m);
                a1 = RowDot.RoundToHalf(a1 * m);
                a2 = RowDot.RoundToHalf(a2 * m);
                a3 = RowDot.RoundToHalf(a3 * m);
            }
            float* row = v + ((long)idx[t] * dv);
            Vector256<float> w = Vector256.Create(vs[t]);
            a0 = RowDot.RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(row), w, a0));
            a1 = RowDot.RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(row + 8), w, a1));
            a2 = RowDot.RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(row + 16), w, a2));
            a3 = RowDot.RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(row + 24), w, a3));
        }
        a0.Store(y);
        a1.Store(y + 8);
        a2.Store(y + 16);
        a3.Store(y + 24);
    }

    private static void One256(float* y, float* v, int dv, int* idx, float* ms, float* vs, int steps)
    {
        Vector256<float> a = Vector256.Load(y);
        for (int t = 0; t < steps; t++)
        {
            if (ms[t] != 1.0f)
            {
                a = RowDot.RoundToHalf(a * Vector256.Create(ms[t]));
            }
            a = RowDot.RoundToHalf(Vector256.FusedMultiplyAdd(Vector256.Load(v + ((long)idx[t] * dv)), Vector256.Create(vs[t]), a));
        }
        a.Store(y);
    }

    private static void One128(float* y, float* v, int dv, int* idx, float* ms, float* vs, int steps)
    {
        Vector128<float> a = Vector128.Load(y);
        for (int t = 0; t < steps; t++)
        {
            if (ms[t] != 1.0f)
            {
                a = RowDot.RoundToHalf(a * Vector128.Create(ms[t]));
            }
            a = RowDot.RoundToHalf(Vector128.FusedMultiplyAdd(Vector128.Load(v + ((long)idx[t] * dv)), Vector128.Create(vs[t]), a));
        }
        a.Store(y);
    }
}
