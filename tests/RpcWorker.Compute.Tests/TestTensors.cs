using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Tests;

/// <summary>Builds tensors over native memory for kernel tests; disposing frees every buffer it made.</summary>
public sealed unsafe class TestTensors : IDisposable
{
    private readonly MemoryBudget _budget = new(ulong.MaxValue);
    private readonly List<NativeBuffer> _buffers = [];

    public MemoryBudget Budget => _budget;

    /// <summary>A contiguous tensor of <paramref name="type"/> with shape <paramref name="ne"/> (missing dims are 1), zero-filled.</summary>
    public Tensor New(GgmlType type, params long[] ne)
    {
        var t = new Tensor { Type = type };
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            t.Ne[i] = i < ne.Length ? ne[i] : 1;
        }
        t.Nb = TensorLayout.ContiguousStrides(type, t.Ne);
        long bytes = Math.Max(t.NBytes, 1);
        NativeBuffer buffer = NativeBuffer.TryAllocate(_budget, (ulong)bytes) ?? throw new OutOfMemoryException();
        buffer.Fill(0);
        _buffers.Add(buffer);
        t.Data = (nint)buffer.Pointer;
        return t;
    }

    /// <summary>A node tensor of <paramref name="op"/> over <paramref name="sources"/>.</summary>
    public Tensor Node(GgmlOp op, GgmlType type, long[] ne, params Tensor[] sources)
    {
        Tensor t = New(type, ne);
        t.Op = op;
        for (int i = 0; i < sources.Length; i++)
        {
            t.Src[i] = sources[i];
        }
        return t;
    }

    /// <summary>A view of <paramref name="source"/> with its own shape/strides at a byte offset (no copy).</summary>
    public static Tensor View(Tensor source, long offset, long[] ne, long[] nb)
    {
        var t = new Tensor { Type = source.Type, Op = GgmlOp.View, ViewSrc = source, ViewOffs = offset, Data = source.Data + (nint)offset };
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            t.Ne[i] = ne[i];
            t.Nb[i] = nb[i];
        }
        t.Src[0] = source;
        return t;
    }

    /// <summary>Fills a contiguous tensor with uniform values in [lo, hi) converted to its type.</summary>
    public static void FillRandom(Tensor t, Random rng, float lo = -1f, float hi = 1f)
    {
        long n = t.NElements;
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            values[i] = lo + (float)rng.NextDouble() * (hi - lo);
        }
        Write(t, values);
    }

    /// <summary>Writes floats into a contiguous tensor, converting to its type.</summary>
    public static void Write(Tensor t, ReadOnlySpan<float> values)
    {
        fixed (float* src = values)
        {
            RowFormats.Get(t.Type).FromFloat(src, t.DataPtr, values.Length);
        }
    }

    /// <summary>Reads a contiguous tensor as floats.</summary>
    public static float[] Read(Tensor t)
    {
        var values = new float[t.NElements];
        fixed (float* dst = values)
        {
            RowFormats.Get(t.Type).ToFloat(t.DataPtr, dst, values.Length);
        }
        return values;
    }

    public void Dispose()
    {
        foreach (NativeBuffer b in _buffers)
        {
            b.Dispose();
        }
        _buffers.Clear();
    }
}
