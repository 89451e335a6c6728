using System.Numerics.Tensors;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>ADD, SUB, MUL, DIV: single IEEE operations, so the vectorized rows equal ggml's scalar loop bit for bit.</summary>
internal static class BinaryOperators
{
    internal readonly struct Add : IBinaryOperator
    {
        public static bool AcceptsQuantized => true;

        public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => TensorPrimitives.Add(x, y, z);

        public static void Row(ReadOnlySpan<float> x, float y, Span<float> z) => TensorPrimitives.Add(x, y, z);
    }

    internal readonly struct Sub : IBinaryOperator
    {
        public static bool AcceptsQuantized => false;

        public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => TensorPrimitives.Subtract(x, y, z);

        public static void Row(ReadOnlySpan<float> x, float y, Span<float> z) => TensorPrimitives.Subtract(x, y, z);
    }

    internal readonly struct Mul : IBinaryOperator
    {
        public static bool AcceptsQuantized => false;

        public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => TensorPrimitives.Multiply(x, y, z);

        public static void Row(ReadOnlySpan<float> x, float y, Span<float> z) => TensorPrimitives.Multiply(x, y, z);
    }

    internal readonly struct Div : IBinaryOperator
    {
        public static bool AcceptsQuantized => false;

        public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z) => TensorPrimitives.Divide(x, y, z);

        public static void Row(ReadOnlySpan<float> x, float y, Span<float> z) => TensorPrimitives.Divide(x, y, z);
    }
}
