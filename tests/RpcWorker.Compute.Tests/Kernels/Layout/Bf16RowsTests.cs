using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels.Layout;

namespace RpcWorker.Compute.Tests.Kernels.Layout;

public unsafe class Bf16RowsTests
{
    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (SimdLevel level in SimdSupport.AvailableLevels())
        {
            data.Add(level);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Conversions_MatchScalarBf16_ForEveryLengthAndSpecialValue(SimdLevel level)
    {
        var rng = new Random(41);
        float[] specials =
        [
            float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7f800001), float.PositiveInfinity, float.NegativeInfinity,
            0f, -0f, float.Epsilon, float.MaxValue, -float.MaxValue,
            BitConverter.Int32BitsToSingle(0x3f808000), BitConverter.Int32BitsToSingle(0x3f818000),
            BitConverter.Int32BitsToSingle(0x3f80ffff), BitConverter.Int32BitsToSingle(0x7f7fffff),
        ];
        for (int n = 0; n <= 100; n++)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = rng.Next(4) == 0 ? specials[rng.Next(specials.Length)] : BitConverter.Int32BitsToSingle(rng.Next());
            }
            var bits = new ushort[n];
            var back = new float[n];
            fixed (float* px = x, pb = back)
            fixed (ushort* ph = bits)
            {
                Bf16Rows.FromSingle(px, ph, n, level);
                Bf16Rows.ToSingle(ph, pb, n, level);
            }
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Bf16.FromSingle(x[i]), bits[i]);
                Assert.Equal(BitConverter.SingleToInt32Bits(Bf16.ToSingle(bits[i])), BitConverter.SingleToInt32Bits(back[i]));
            }
        }
    }
}
