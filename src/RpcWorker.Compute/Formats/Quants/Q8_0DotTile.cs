using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RpcWorker.Compute.Formats.Quants;

/// <summary>
/// AVX2 register tiles for <see cref="RowFormat.DotTile"/> of the formats dotted with Q8_0 activations: up to 4 weight rows
/// × 4 columns per pass keep one float accumulator per (row, column), so each unpacked weight block serves every column of
/// the tile and each activation block (with its scale and the per-format column term) every row; the horizontal sums run
/// once per tile instead of once per output. Tile shapes are type parameters (<see cref="ITileDim"/>), so every edge
/// shape is the same code with the unused accumulators compiled away.
/// </summary>
internal static unsafe class Q8_0DotTile
{
    /// <summary>Rows per prefill tile.</summary>
    public const int Rows = 4;

    /// <summary>Columns per prefill tile.</summary>
    public const int Cols = 3;

    /// <summary>A compile-time tile dimension.</summary>
    public interface ITileDim
    {
        static abstract int Value { get; }
    }

    /// <summary>The weight side of the tile: one block's quants and the 16-bit pair sums of a block product.</summary>
    public interface IWeights
    {
        static abstract int BlockBytes { get; }

        /// <summary>The quants of the block at <paramref name="block"/> (scale at offset 0) as the row operand.</summary>
        static abstract Vector256<byte> Row(byte* block);

        /// <summary>The per-activation-block operand shared by all rows (computed once per column and block).</summary>
        static abstract Vector256<byte> Column(Vector256<sbyte> y);

        /// <summary>Adjacent pair sums (int16) of row quants × activation quants.</summary>
        static abstract Vector256<short> Products(Vector256<byte> row, Vector256<sbyte> y, Vector256<byte> column);

        /// <summary>The format's single-row dot product over <paramref name="nb"/> blocks (the decode path).</summary>
        static abstract float Dot(long nb, byte* x, byte* y);
    }

    private struct D1 : ITileDim
    {
        public static int Value => 1;
    }

    private struct D2 : ITileDim
    {
        public static int Value => 2;
    }

    private struct D3 : ITileDim
    {
        public static int Value => 3;
    }

    private struct D4 : ITileDim
    {
        public static int Value => 4;
    }

    /// <summary>The whole block: <c>d[j][rowOffset + i] = dot(a + i·lda, b[j])</c>.</summary>
    public static void Run<TW>(long n, byte* a, long lda, long rows, byte** b, int cols, float** d, long rowOffset)
        where TW : IWeights
    {
        long nb = n / Q8_0Format.BlockSize;
        if (cols == 1)
        {
            // Decode streams each weight row once: the plain per-row dot called directly measured faster end to end
            // (llama-bench tg, Q4_0 1.1B, -t 2) than the 4-row tile, which spills accumulators.
            float* dst = d[0] + rowOffset;
            for (long i = 0; i < rows; i++)
            {
                dst[i] = TW.Dot(nb, a + (i * lda), b[0]);
            }
            return;
        }
        for (int j = 0; j < cols; j += Cols)
        {
            switch (Math.Min(Cols, cols - j))
            {
                case 4:
                    Columns<TW, D4>(nb, a, lda, rows, b + j, d + j, rowOffset);
                    break;
                case 3:
                    Columns<TW, D3>(nb, a, lda, rows, b + j, d + j, rowOffset);
                    break;
                case 2:
                    Columns<TW, D2>(nb, a, lda, rows, b + j, d + j, rowOffset);
                    break;
                default:
                    Columns<TW, D1>(nb, a, lda, rows, b + j, d + j, rowOffset);
                    break;
            }
        }
    }

    private static void Columns<TW, TC>(long nb, byte* a, long lda, long rows, byte** b, float** d, long rowOffset)
        where TW : IWeights
        where TC : ITileDim
    {
        long i = 0;
        for (; i + Rows <= rows; i += Rows)
        {
            Tile<TW, D4, TC>(nb, a + (i * lda), lda, b, d, rowOffset + i);
        }
        Remainder<TW, TC>(nb, a + (i * lda), lda, rows - i, b, d, rowOffset + i);
    }

    private static void Remainder<TW, TC>(long nb, byte* a, long lda, long rows, byte** b, float** d, long row)
        where TW : IWeights
        where TC : ITileDim
    {
        switch (rows)
        {
            case 3:
                Tile<TW, D3, TC>(nb, a, lda, b, d, row);
                break;
            case 2:
                Tile<TW, D2, TC>(nb, a, lda, b, d, row);
                break;
            case 1:
                Tile<TW, D1, TC>(nb, a, lda, b, d, row);
                break;
            default:
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Step(Vector256<float> acc, Vector256<short> products, Vector256<float> scale) =>
        Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(products, Vector256.Create((short)1))), scale, acc);

    private static void Tile<TW, TR, TC>(long nb, byte* a, long lda, byte** b, float** d, long row)
        where TW : IWeights
        where TR : ITileDim
        where TC : ITileDim
    {
        byte* a0 = a;
        byte* a1 = TR.Value > 1 ? a + (1 * lda) : a;
        byte* a2 = TR.Value > 2 ? a + (2 * lda) : a;
        byte* a3 = TR.Value > 3 ? a + (3 * lda) : a;
        byte* y0 = b[0];
        byte* y1 = TC.Value > 1 ? b[1] : y0;
        byte* y2 = TC.Value > 2 ? b[2] : y0;
        byte* y3 = TC.Value > 3 ? b[3] : y0;
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<float> c30 = default, c31 = default, c32 = default, c33 = default;
        for (long i = 0; i < nb; i++)
        {
            long wo = i * TW.BlockBytes;
            long yo = i * Q8_0Format.BlockBytes;
            Vector256<byte> w0 = TW.Row(a0 + wo);
            Vector256<float> s0 = Vector256.Create(QuantMath.Half(a0 + wo));
            Vector256<byte> w1 = TR.Value > 1 ? TW.Row(a1 + wo) : default;
            Vector256<float> s1 = TR.Value > 1 ? Vector256.Create(QuantMath.Half(a1 + wo)) : default;
            Vector256<byte> w2 = TR.Value > 2 ? TW.Row(a2 + wo) : default;
            Vector256<float> s2 = TR.Value > 2 ? Vector256.Create(QuantMath.Half(a2 + wo)) : default;
            Vector256<byte> w3 = TR.Value > 3 ? TW.Row(a3 + wo) : default;
            Vector256<float> s3 = TR.Value > 3 ? Vector256.Create(QuantMath.Half(a3 + wo)) : default;
            {
                Vector256<sbyte> y = Avx.LoadVector256((sbyte*)(y0 + yo + 2));
                Vector256<byte> k = TW.Column(y);
                Vector256<float> t = Vector256.Create(QuantMath.Half(y0 + yo));
                c00 = Step(c00, TW.Products(w0, y, k), s0 * t);
                if (TR.Value > 1)
                {
                    c10 = Step(c10, TW.Products(w1, y, k), s1 * t);
                }
                if (TR.Value > 2)
                {
                    c20 = Step(c20, TW.Products(w2, y, k), s2 * t);
                }
                if (TR.Value > 3)
                {
                    c30 = Step(c30, TW.Products(w3, y, k), s3 * t);
                }
            }
            if (TC.Value > 1)
            {
                Vector256<sbyte> y = Avx.LoadVector256((sbyte*)(y1 + yo + 2));
                Vector256<byte> k = TW.Column(y);
                Vector256<float> t = Vector256.Create(QuantMath.Half(y1 + yo));
                c01 = Step(c01, TW.Products(w0, y, k), s0 * t);
                if (TR.Value > 1)
                {
                    c11 = Step(c11, TW.Products(w1, y, k), s1 * t);
                }
                if (TR.Value > 2)
                {
                    c21 = Step(c21, TW.Products(w2, y, k), s2 * t);
                }
                if (TR.Value > 3)
                {
                    c31 = Step(c31, TW.Products(w3, y, k), s3 * t);
                }
            }
            if (TC.Value > 2)
            {
                Vector256<sbyte> y = Avx.LoadVector256((sbyte*)(y2 + yo + 2));
                Vector256<byte> k = TW.Column(y);
                Vector256<float> t = Vector256.Create(QuantMath.Half(y2 + yo));
                c02 = Step(c02, TW.Products(w0, y, k), s0 * t);
                if (TR.Value > 1)
                {
                    c12 = Step(c12, TW.Products(w1, y, k), s1 * t);
                }
                if (TR.Value > 2)
                {
                    c22 = Step(c22, TW.Products(w2, y, k), s2 * t);
                }
                if (TR.Value > 3)
                {
                    c32 = Step(c32, TW.Products(w3, y, k), s3 * t);
                }
            }
            if (TC.Value > 3)
            {
                Vector256<sbyte> y = Avx.LoadVector256((sbyte*)(y3 + yo + 2));
                Vector256<byte> k = TW.Column(y);
                Vector256<float> t = Vector256.Create(QuantMath.Half(y3 + yo));
                c03 = Step(c03, TW.Products(w0, y, k), s0 * t);
                if (TR.Value > 1)
                {
                    c13 = Step(c13, TW.Products(w1, y, k), s1 * t);
                }
                if (TR.Value > 2)
                {
                    c23 = Step(c23, TW.Products(w2, y, k), s2 * t);
                }
                if (TR.Value > 3)
                {
                    c33 = Step(c33, TW.Products(w3, y, k), s3 * t);
                }
            }
        }
        Store<TR>(d[0] + row, c00, c10, c20, c30);
        if (TC.Value == 1)
        {
            return;
        }
        Store<TR>(d[1] + row, c01, c11, c21, c31);
        if (TC.Value == 2)
        {
            return;
        }
        Store<TR>(d[2] + row, c02, c12, c22, c32);
        if (TC.Value == 3)
        {
            return;
        }
        Store<TR>(d[3] + row, c03, c13, c23, c33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TR>(float* dst, Vector256<float> c0, Vector256<float> c1, Vector256<float> c2, Vector256<float> c3)
        where TR : ITileDim
    {
        dst[0] = Vector256.Sum(c0);
        if (TR.Value > 1)
        {
            dst[1] = Vector256.Sum(c1);
        }
        if (TR.Value > 2)
        {
            dst[2] = Vector256.Sum(c2);
        }
        if (TR.Value > 3)
        {
            dst[3] = Vector256.Sum(c3);
        }
    }
}
