using System.Text;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests;

/// <summary>
/// One node recorded from a conformance transcript: its shape, strides, op_params, its sources' bytes as the real
/// ggml-cpu server held them, the bytes it read back afterwards and the file's NMSE tolerance.
/// </summary>
public sealed unsafe class RecordedNodeCase
{
    public required string Label { get; init; }

    public required GgmlType Type { get; init; }

    public required long[] Ne { get; init; }

    public required long[] Nb { get; init; }

    public required GgmlOp Op { get; init; }

    public required int[] Params { get; init; }

    public required (GgmlType Type, long[] Ne, long[] Nb, byte[] Data)[] Sources { get; init; }

    public required byte[] Expected { get; init; }

    public required double Tolerance { get; init; }

    public override string ToString() => Label;

    /// <summary>Reads every case of a file written by the transcript miner.</summary>
    public static List<RecordedNodeCase> Load(string path)
    {
        var cases = new List<RecordedNodeCase>();
        using var r = new BinaryReader(File.OpenRead(path));
        while (r.BaseStream.Position < r.BaseStream.Length)
        {
            string label = Encoding.UTF8.GetString(r.ReadBytes(r.ReadUInt16()));
            var type = (GgmlType)r.ReadUInt32();
            long[] ne = ReadDims(r);
            long[] nb = ReadDims(r);
            var op = (GgmlOp)r.ReadUInt32();
            var prm = new int[Tensor.MaxOpParams];
            for (int i = 0; i < prm.Length; i++)
            {
                prm[i] = r.ReadInt32();
            }
            var sources = new (GgmlType, long[], long[], byte[])[r.ReadUInt32()];
            for (int s = 0; s < sources.Length; s++)
            {
                var st = (GgmlType)r.ReadUInt32();
                long[] sne = ReadDims(r);
                long[] snb = ReadDims(r);
                sources[s] = (st, sne, snb, r.ReadBytes((int)r.ReadUInt64()));
            }
            byte[] expected = r.ReadBytes((int)r.ReadUInt64());
            double tol = r.ReadDouble();
            cases.Add(new RecordedNodeCase
            {
                Label = label, Type = type, Ne = ne, Nb = nb, Op = op, Params = prm, Sources = sources, Expected = expected, Tolerance = tol,
            });
        }
        return cases;
    }

    private static long[] ReadDims(BinaryReader r) => [r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()];

    /// <summary>Runs the node on <paramref name="threads"/> threads and returns the NMSE against the recording (NaN/Inf placement must match).</summary>
    public double Run(int threads)
    {
        using var tt = new TestTensors();
        Tensor node = Place(tt, Type, Ne, Nb, null);
        node.Op = Op;
        for (int i = 0; i < Params.Length; i++)
        {
            node.Params[i] = Params[i];
        }
        for (int s = 0; s < Sources.Length; s++)
        {
            node.Src[s] = Place(tt, Sources[s].Type, Sources[s].Ne, Sources[s].Nb, Sources[s].Data);
        }
        TestGraph.Run(threads, node);

        float[] ours = Elements(node, new ReadOnlySpan<byte>(node.DataPtr, Expected.Length));
        float[] rec = Elements(node, Expected);
        double err = 0;
        double norm = 0;
        for (int i = 0; i < rec.Length; i++)
        {
            if (!float.IsFinite(rec[i]) || !float.IsFinite(ours[i]))
            {
                Assert.True(rec[i].Equals(ours[i]), $"{Label}: element {i} is {ours[i]}, recorded {rec[i]}");
                continue;
            }
            err += (ours[i] - (double)rec[i]) * (ours[i] - (double)rec[i]);
            norm += (double)rec[i] * rec[i];
        }
        return norm == 0 ? err : err / norm;
    }

    private static Tensor Place(TestTensors tt, GgmlType type, long[] ne, long[] nb, byte[]? data)
    {
        long bytes = data?.Length ?? Extent(type, ne, nb);
        Tensor buffer = tt.New(GgmlType.I8, Math.Max(bytes, 1));
        var t = new Tensor { Type = type, Data = buffer.Data };
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            t.Ne[i] = ne[i];
            t.Nb[i] = nb[i];
        }
        data?.CopyTo(new Span<byte>(t.DataPtr, data.Length));
        return t;
    }

    private static long Extent(GgmlType type, long[] ne, long[] nb)
    {
        long bytes = TypeTraits.TypeSize(type);
        for (int i = 0; i < 4; i++)
        {
            bytes += (ne[i] - 1) * nb[i];
        }
        return bytes;
    }

    private static float[] Elements(Tensor t, ReadOnlySpan<byte> bytes)
    {
        var values = new float[t.NElements];
        int k = 0;
        for (long i3 = 0; i3 < t.Ne[3]; i3++)
        {
            for (long i2 = 0; i2 < t.Ne[2]; i2++)
            {
                for (long i1 = 0; i1 < t.Ne[1]; i1++)
                {
                    for (long i0 = 0; i0 < t.Ne[0]; i0++)
                    {
                        int o = (int)(i0 * t.Nb[0] + i1 * t.Nb[1] + i2 * t.Nb[2] + i3 * t.Nb[3]);
                        values[k++] = t.Type switch
                        {
                            GgmlType.F32 => BitConverter.ToSingle(bytes.Slice(o, 4)),
                            GgmlType.F16 => Fp16.ToSingle(BitConverter.ToUInt16(bytes.Slice(o, 2))),
                            GgmlType.BF16 => Bf16.ToSingle(BitConverter.ToUInt16(bytes.Slice(o, 2))),
                            _ => throw new NotSupportedException(t.Type.ToString()),
                        };
                    }
                }
            }
        }
        return values;
    }
}
