namespace RpcWorker.Compute.Tests.Kernels.Vision;

public class VisionKernelTests
{
    [Fact]
    public void WinPartThenUnpart_RestoresTheImageAndZeroPadsWindows()
    {
        const int c = 3, width = 5, height = 4, w = 3, nep0 = 2, nep1 = 2;
        using var tt = new TestTensors();
        Tensor img = tt.New(GgmlType.F32, c, width, height);
        TestTensors.FillRandom(img, new Random(1));
        Tensor parts = tt.Node(GgmlOp.WinPart, GgmlType.F32, [c, w, w, nep0 * nep1], img);
        parts.Params[0] = nep0;
        parts.Params[1] = nep1;
        parts.Params[2] = w;
        Tensor back = tt.Node(GgmlOp.WinUnpart, GgmlType.F32, [c, width, height], parts);
        back.Params[0] = w;

        TestGraph.Run(2, parts, back);

        float[] src = TestTensors.Read(img), windows = TestTensors.Read(parts);
        Assert.Equal(src, TestTensors.Read(back));
        for (int py = 0; py < nep1; py++)
        {
            for (int px = 0; px < nep0; px++)
            {
                for (int y = 0; y < w; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        for (int ch = 0; ch < c; ch++)
                        {
                            int gx = px * w + x, gy = py * w + y;
                            float expected = gx < width && gy < height ? src[(gy * width + gx) * c + ch] : 0f;
                            Assert.Equal(expected, windows[(((py * nep0 + px) * w + y) * w + x) * c + ch]);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void GetRelPos_GathersShiftedRows()
    {
        using var tt = new TestTensors();
        Tensor table = tt.New(GgmlType.F16, 2, 5);
        TestTensors.Write(table, [0, 1, 10, 11, 20, 21, 30, 31, 40, 41]);
        Tensor dst = tt.Node(GgmlOp.GetRelPos, GgmlType.F16, [2, 3, 3], table);
        TestGraph.Run(1, dst);
        float[] d = TestTensors.Read(dst);
        for (int i2 = 0; i2 < 3; i2++)
        {
            for (int i1 = 0; i1 < 3; i1++)
            {
                int pos = 3 - i1 - 1 + i2;
                Assert.Equal(pos * 10, d[(i2 * 3 + i1) * 2]);
                Assert.Equal(pos * 10 + 1, d[(i2 * 3 + i1) * 2 + 1]);
            }
        }
    }

    [Fact]
    public void AddRelPos_AddsHeightAndWidthTerms()
    {
        const int n = 3, rows = 2;
        using var tt = new TestTensors();
        var rng = new Random(2);
        Tensor scores = tt.New(GgmlType.F32, n * n, n, rows);
        Tensor pw = tt.New(GgmlType.F32, n, n, rows);
        Tensor ph = tt.New(GgmlType.F32, n, n, rows);
        foreach (Tensor t in new[] { scores, pw, ph })
        {
            TestTensors.FillRandom(t, rng);
        }
        Tensor dst = tt.Node(GgmlOp.AddRelPos, GgmlType.F32, [n * n, n, rows], scores, pw, ph);

        TestGraph.Run(2, dst);

        float[] a = TestTensors.Read(scores), w = TestTensors.Read(pw), h = TestTensors.Read(ph), actual = TestTensors.Read(dst);
        var expected = a.Select(v => (double)v).ToArray();
        for (int jp0 = 0; jp0 < w.Length; jp0++)
        {
            int i10 = jp0 % n;
            for (int j = 0; j < n; j++)
            {
                expected[jp0 * n + j] += h[jp0];
                expected[jp0 * n - (n - 1) * i10 + j * n] += w[jp0];
            }
        }
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5);
        }
    }
}
