using System.Runtime.CompilerServices;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Elementwise;

/// <summary>
/// DUP, CPY and CONT (ops.cpp <c>ggml_compute_forward_dup</c>): copies the elements of src0, in row-major order, into the
/// destination's elements in row-major order; shapes may differ when the element counts match. Same types copy bytes
/// (block by block for quantized types); F32/F16/BF16 convert among each other, F32↔I32 convert; F32/F16/BF16 rows are
/// quantized into a contiguous quantized destination; a quantized source is dequantized into an F32 destination.
/// Work is split by source rows (by blocks for plain contiguous copies); results do not depend on the thread count.
/// </summary>
internal sealed unsafe class DupKernel : IOpKernel
{
    private const int CacheLineFloats = 16;

    private enum Mode
    {
        Bytes,
        Convert,
        Quantize,
        Dequantize,
    }

    private static Mode? Classify(Tensor src, Tensor dst)
    {
        if (src.Type == dst.Type)
        {
            return Mode.Bytes;
        }
        if ((RowConvert.IsFloat(src.Type) && RowConvert.IsFloat(dst.Type))
            || (src.Type == GgmlType.F32 && dst.Type == GgmlType.I32)
            || (src.Type == GgmlType.I32 && dst.Type == GgmlType.F32))
        {
            return Mode.Convert;
        }
        if (RowConvert.IsFloat(src.Type) && dst.Info.IsQuantized)
        {
            return Mode.Quantize;
        }
        if (src.Info.IsQuantized && dst.Type == GgmlType.F32)
        {
            return Mode.Dequantize;
        }
        return null;
    }

    public string? Validate(Tensor node)
    {
        Tensor? src = node.Src[0];
        if (src is null)
        {
            return "missing source";
        }
        if (src.NElements != node.NElements)
        {
            return "element counts differ";
        }
        switch (Classify(src, node))
        {
            case Mode.Bytes:
                int bs = src.Info.BlockSize;
                if (src.Ne[0] % bs != 0 || node.Ne[0] % bs != 0)
                {
                    return "row length is not a whole number of blocks";
                }
                return null;
            case Mode.Convert:
                return null;
            case Mode.Quantize:
                if (RowFormats.Find(node.Type) is not { CanFromFloat: true })
                {
                    return $"cannot quantize to {node.Info.Name}";
                }
                if (!node.IsContiguous || !Rows.PackedRows(src))
                {
                    return "quantizing needs contiguous source rows and a contiguous destination";
                }
                if (src.Ne[0] % node.Info.BlockSize != 0)
                {
                    return "source row length is not a whole number of blocks";
                }
                return Rows.RowFits(src) ? null : "row too long";
            case Mode.Dequantize:
                int qk = src.Info.BlockSize;
                if (RowFormats.Find(src.Type) is null)
                {
                    return $"no row format for {src.Info.Name}";
                }
                if (src.Ne[0] % qk != 0)
                {
                    return "source row length is not a whole number of blocks";
                }
                if (!Rows.PackedRows(node) || (node.Ne[0] % qk != 0 && !node.IsContiguous))
                {
                    return "destination rows must hold whole blocks";
                }
                return null;
            default:
                return $"cannot convert {src.Info.Name} to {node.Info.Name}";
        }
    }

    public long GetWorkSize(Tensor node, int threads) =>
        node.Src[0] is { } src && Classify(src, node) == Mode.Quantize
            ? (src.Ne[0] + CacheLineFloats) * sizeof(float) * threads
            : 0;

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src = node.Src[0]!;
        switch (Classify(src, node))
        {
            case Mode.Bytes:
                CopyBytes(p, src, node);
                break;
            case Mode.Convert:
                Convert(p, src, node);
                break;
            case Mode.Quantize:
                Quantize(p, src, node);
                break;
            case Mode.Dequantize:
                Dequantize(p, src, node);
                break;
        }
    }

    private static void CopyBytes(in ComputeParams p, Tensor src, Tensor dst)
    {
        int ts = src.Info.TypeSize;
        if (src.IsContiguous && dst.IsContiguous)
        {
            long nk = src.NElements / src.Info.BlockSize;
            Rows.ThreadRange(p, nk, out long k0, out long k1);
            if (k1 > k0)
            {
                Buffer.MemoryCopy(src.DataPtr + k0 * ts, dst.DataPtr + k0 * ts, (k1 - k0) * ts, (k1 - k0) * ts);
            }
            return;
        }
        Rows.ThreadRange(p, src.NRows, out long r0, out long r1);
        if (Rows.SameShape(src, dst) && src.Nb[0] == ts && dst.Nb[0] == ts)
        {
            long rs = src.RowSize;
            for (long ir = r0; ir < r1; ir++)
            {
                Buffer.MemoryCopy(Rows.Row(src, ir), Rows.Row(dst, ir), rs, rs);
            }
            return;
        }
        int bs = src.Info.BlockSize;
        long nk00 = src.Ne[0] / bs;
        long nb00 = src.Nb[0];
        var cursor = new Cursor(dst, bs, r0 * nk00);
        for (long ir = r0; ir < r1; ir++)
        {
            byte* row = Rows.Row(src, ir);
            long k00 = 0;
            while (k00 < nk00)
            {
                long run = Math.Min(nk00 - k00, cursor.Remaining);
                byte* s = row + k00 * nb00;
                byte* d = cursor.Pointer;
                long nb0 = cursor.Stride;
                if (nb00 == ts && nb0 == ts)
                {
                    Buffer.MemoryCopy(s, d, run * ts, run * ts);
                }
                else
                {
                    CopyStrided(s, nb00, d, nb0, run, ts);
                }
                k00 += run;
                cursor.Advance(run);
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> elements of <paramref name="ts"/> bytes between strided runs.</summary>
    private static void CopyStrided(byte* s, long ss, byte* d, long ds, long count, int ts)
    {
        switch (ts)
        {
            case 2:
                for (long k = 0; k < count; k++)
                {
                    *(ushort*)(d + k * ds) = *(ushort*)(s + k * ss);
                }
                break;
            case 4:
                for (long k = 0; k < count; k++)
                {
                    *(uint*)(d + k * ds) = *(uint*)(s + k * ss);
                }
                break;
            case 8:
                for (long k = 0; k < count; k++)
                {
                    *(ulong*)(d + k * ds) = *(ulong*)(s + k * ss);
                }
                break;
            default:
                for (long k = 0; k < count; k++)
                {
                    Buffer.MemoryCopy(s + k * ss, d + k * ds, ts, ts);
                }
                break;
        }
    }

    [SkipLocalsInit]
    private static void Convert(in ComputeParams p, Tensor src, Tensor dst)
    {
        float* buf = stackalloc float[RowConvert.Chunk];
        GgmlType st = src.Type;
        GgmlType dt = dst.Type;
        long ne00 = src.Ne[0];
        long nb00 = src.Nb[0];
        Rows.ThreadRange(p, src.NRows, out long r0, out long r1);
        var cursor = new Cursor(dst, 1, r0 * ne00);
        for (long ir = r0; ir < r1; ir++)
        {
            byte* row = Rows.Row(src, ir);
            for (long i0 = 0; i0 < ne00; i0 += RowConvert.Chunk)
            {
                int len = (int)Math.Min(RowConvert.Chunk, ne00 - i0);
                RowConvert.Load(st, row + i0 * nb00, nb00, buf, len);
                int done = 0;
                while (done < len)
                {
                    int run = (int)Math.Min(len - done, cursor.Remaining);
                    RowConvert.Store(dt, buf + done, cursor.Pointer, cursor.Stride, run);
                    done += run;
                    cursor.Advance(run);
                }
            }
        }
    }

    private static void Quantize(in ComputeParams p, Tensor src, Tensor dst)
    {
        RowFormat format = RowFormats.Get(dst.Type);
        long ne00 = src.Ne[0];
        float* w = (float*)p.WData + (ne00 + CacheLineFloats) * p.Ith;
        long rs = TypeTraits.RowSize(dst.Type, ne00);
        int ss = src.Info.TypeSize;
        Rows.ThreadRange(p, src.NRows, out long r0, out long r1);
        for (long ir = r0; ir < r1; ir++)
        {
            RowConvert.Load(src.Type, Rows.Row(src, ir), ss, w, (int)ne00);
            format.FromFloat(w, dst.DataPtr + ir * rs, ne00);
        }
    }

    private static void Dequantize(in ComputeParams p, Tensor src, Tensor dst)
    {
        RowFormat format = RowFormats.Get(src.Type);
        int qk = src.Info.BlockSize;
        long nk00 = src.Ne[0] / qk;
        long nblocks = src.NElements / qk;
        Rows.ThreadRange(p, nblocks, out long b0, out long b1);
        for (long blk = b0; blk < b1; blk++)
        {
            long i = blk * qk;
            byte* s = Rows.Row(src, blk / nk00) + blk % nk00 * src.Nb[0];
            long i10 = i % dst.Ne[0];
            byte* d = Rows.Row(dst, i / dst.Ne[0]) + i10 * dst.Nb[0];
            format.ToFloat(s, (float*)d, qk);
        }
    }

    /// <summary>Walks a tensor's elements (or blocks) in row-major order from a flat index.</summary>
    private struct Cursor
    {
        private readonly Tensor _t;
        private readonly long _n0;
        private long _i0;
        private long _row;
        private byte* _rowPtr;

        public Cursor(Tensor t, int blockSize, long flat)
        {
            _t = t;
            _n0 = t.Ne[0] / blockSize;
            _i0 = flat % _n0;
            _row = flat / _n0;
            _rowPtr = _row < t.NRows ? Rows.Row(t, _row) : null;
        }

        public readonly long Remaining => _n0 - _i0;

        public readonly long Stride => _t.Nb[0];

        public readonly byte* Pointer => _rowPtr + _i0 * _t.Nb[0];

        public void Advance(long k)
        {
            _i0 += k;
            if (_i0 == _n0)
            {
                _i0 = 0;
                _row++;
                _rowPtr = _row < _t.NRows ? Rows.Row(_t, _row) : null;
            }
        }
    }
}
