using System.Runtime.InteropServices;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Conformance.Tests;

public class TensorComparerTests
{
    private static byte[] F32(params float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    private static string? Compare(GgmlType type, byte[] rec, byte[] ours, double? max, out double nmse) =>
        TensorComparer.Compare((uint)type, rec, ours, max, out nmse);

    [Fact]
    public void IdenticalBytes_PassWithZeroError()
    {
        byte[] a = F32(1, float.NaN, 3);
        Assert.Null(Compare(GgmlType.F32, a, (byte[])a.Clone(), null, out double nmse));
        Assert.Equal(0, nmse);
    }

    [Fact]
    public void F32_NmseIsSumOfSquaredErrorOverSumOfSquares()
    {
        byte[] rec = F32(3, 4);
        byte[] ours = F32(3, 4.001f);
        Assert.Null(Compare(GgmlType.F32, rec, ours, 1e-7, out double nmse));
        double expected = Math.Pow(4.001f - 4.0, 2) / 25;
        Assert.Equal(expected, nmse, 12);
        Assert.NotNull(Compare(GgmlType.F32, rec, ours, expected / 2, out _));
    }

    [Theory]
    [InlineData(float.NaN, 1f)]
    [InlineData(1f, float.NaN)]
    [InlineData(float.PositiveInfinity, float.NegativeInfinity)]
    [InlineData(float.PositiveInfinity, 1e30f)]
    [InlineData(2f, float.PositiveInfinity)]
    public void NanAndInf_MustSitAtTheSamePlaces(float recorded, float ours)
    {
        string? why = Compare(GgmlType.F32, F32(1, recorded), F32(1, ours), 1, out double nmse);
        Assert.Contains("element 1", why);
        Assert.True(double.IsPositiveInfinity(nmse));
    }

    [Fact]
    public void NanAndInf_AtTheSamePlaces_AreExcludedFromTheError()
    {
        Assert.Null(Compare(GgmlType.F32, F32(float.NaN, float.NegativeInfinity, 2), F32(float.NaN, float.NegativeInfinity, 2.0000001f),
            1e-7, out _));
    }

    [Fact]
    public void ExactClass_RequiresIdenticalValues()
    {
        Assert.NotNull(Compare(GgmlType.F32, F32(1, 2), F32(1, 2.0000002f), null, out _));
        Assert.Null(Compare(GgmlType.F32, F32(1, float.NaN), F32(1, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001))), null, out _));
    }

    [Theory]
    [InlineData(GgmlType.I32)]
    [InlineData(GgmlType.I8)]
    [InlineData(GgmlType.I64)]
    [InlineData(GgmlType.F64)]
    public void IntegerTypes_MustMatchExactly(GgmlType type)
    {
        byte[] rec = new byte[16];
        byte[] ours = new byte[16];
        ours[9] = 1;
        string? why = Compare(type, rec, ours, 1.0, out _);
        Assert.Contains("byte 9", why);
    }

    [Fact]
    public void F16_ComparedAsFloats()
    {
        ushort[] rec = [Fp16.FromSingle(1f), Fp16.FromSingle(2f)];
        ushort[] ours = [Fp16.FromSingle(1f), Fp16.FromSingle(2.001f)];
        byte[] r = MemoryMarshal.AsBytes(rec.AsSpan()).ToArray();
        byte[] o = MemoryMarshal.AsBytes(ours.AsSpan()).ToArray();
        Assert.Null(Compare(GgmlType.F16, r, o, 1e-6, out double nmse));
        Assert.True(nmse > 0);
        Assert.NotNull(Compare(GgmlType.F16, r, o, 1e-8, out _));
    }

    [Fact]
    public void LengthMismatch_Fails()
    {
        Assert.Contains("returned 4 bytes", Compare(GgmlType.F32, F32(1, 2), F32(1), 1, out _));
    }

    [Fact]
    public void ZeroReference_AnyDifferenceIsInfinite()
    {
        Assert.NotNull(Compare(GgmlType.F32, F32(0, 0), F32(0, 1e-30f), 1e-4, out double nmse));
        Assert.True(double.IsPositiveInfinity(nmse));
    }
}
