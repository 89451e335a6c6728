namespace RpcWorker.Compute.Kernels.Unary;

/// <summary>
/// libm functions .NET lacks (<c>erff</c>, <c>expm1f</c>), evaluated in double precision and rounded once, so they agree with a
/// correctly rounded C library (and with glibc's to within an ulp).
/// </summary>
internal static class ScalarMath
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double InvSqrtPi = 0.56418958354775628;

    /// <summary><c>erff</c>.</summary>
    public static float Erf(float value)
    {
        double x = value;
        double ax = Math.Abs(x);
        if (!(ax < 6.0))
        {
            return float.IsNaN(value) ? value : MathF.CopySign(1f, value);
        }
        if (ax < 2.5)
        {
            double x2 = x * x;
            double power = x;
            double sum = x;
            for (int n = 1; n < 80; n++)
            {
                power *= -x2 / n;
                double term = power / (2 * n + 1);
                sum += term;
                if (Math.Abs(term) <= 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }
            return (float)(sum * TwoOverSqrtPi);
        }
        double erfc = Erfc(ax);
        return (float)(x < 0 ? erfc - 1.0 : 1.0 - erfc);
    }

    /// <summary><c>expm1f</c>.</summary>
    public static float Expm1(float value)
    {
        double x = value;
        if (Math.Abs(x) < 0.5)
        {
            double term = x;
            double sum = x;
            for (int n = 2; n < 18; n++)
            {
                term *= x / n;
                sum += term;
            }
            return (float)sum;
        }
        return (float)(Math.Exp(x) - 1.0);
    }

    /// <summary>erfc(x) for x ≥ 2.5 by the Laplace continued fraction (modified Lentz).</summary>
    private static double Erfc(double x)
    {
        const double tiny = 1e-300;
        double f = x;
        double c = f;
        double d = 0;
        for (int k = 1; k < 500; k++)
        {
            double a = k * 0.5;
            d = x + a * d;
            d = Math.Abs(d) < tiny ? 1 / tiny : 1 / d;
            c = x + a / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-15)
            {
                break;
            }
        }
        return Math.Exp(-x * x) * InvSqrtPi / f;
    }
}
