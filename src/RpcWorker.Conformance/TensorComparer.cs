using System.Buffers;
using System.Globalization;
using RpcWorker.Compute;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Conformance;

/// <summary>
/// Compares the bytes of one GET_TENSOR reply with the recording. Integer types (and any type without a float reading)
/// must be identical. F32, F16, BF16 and quantized types are read as floats (quantized ones dequantized): NaN and ±Inf
/// must sit at the same places, and the NMSE <c>sum((ours - rec)^2) / sum(rec^2)</c> over the finite pairs must not exceed
/// the tolerance; an exact tolerance requires identical float values.
/// </summary>
public static unsafe class TensorComparer
{
    /// <summary>Null when <paramref name="ours"/> is acceptable, else the reason; <paramref name="nmse"/> is the measured error.</summary>
    public static string? Compare(uint type, ReadOnlySpan<byte> recorded, ReadOnlySpan<byte> ours, double? maxNmse,
        out double nmse)
    {
        nmse = 0;
        if (recorded.Length != ours.Length)
        {
            nmse = double.PositiveInfinity;
            return $"returned {ours.Length} bytes, recorded {recorded.Length}";
        }
        if (recorded.SequenceEqual(ours))
        {
            return null;
        }
        RowFormat? format = FloatFormat(type);
        if (format is null)
        {
            nmse = double.PositiveInfinity;
            return $"bytes differ from byte {FirstDifference(recorded, ours)} ({WireTensor.TypeName(type)} must match exactly)";
        }
        TypeInfo info = TypeTraits.Get((GgmlType)type);
        if (recorded.Length % info.TypeSize != 0)
        {
            nmse = double.PositiveInfinity;
            return $"bytes differ from byte {FirstDifference(recorded, ours)} (range is not whole {info.Name} blocks)";
        }
        long n = (long)(recorded.Length / info.TypeSize) * info.BlockSize;
        float[] rec = ArrayPool<float>.Shared.Rent((int)n);
        float[] our = ArrayPool<float>.Shared.Rent((int)n);
        try
        {
            fixed (byte* r = recorded)
            fixed (byte* o = ours)
            fixed (float* rf = rec)
            fixed (float* of = our)
            {
                format.ToFloat(r, rf, n);
                format.ToFloat(o, of, n);
            }
            return CompareFloats(rec.AsSpan(0, (int)n), our.AsSpan(0, (int)n), maxNmse, out nmse);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rec);
            ArrayPool<float>.Shared.Return(our);
        }
    }

    /// <summary>The float comparison of <see cref="Compare"/> on already converted values.</summary>
    public static string? CompareFloats(ReadOnlySpan<float> recorded, ReadOnlySpan<float> ours, double? maxNmse, out double nmse)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < recorded.Length; i++)
        {
            float r = recorded[i], o = ours[i];
            bool placed = float.IsNaN(r) ? float.IsNaN(o)
                : float.IsInfinity(r) ? r == o
                : float.IsFinite(o);
            if (!placed)
            {
                nmse = double.PositiveInfinity;
                return $"element {i} is {Show(o)}, recorded {Show(r)} (NaN/Inf must sit at the same places)";
            }
            if (!float.IsFinite(r))
            {
                continue;
            }
            if (maxNmse is null && BitConverter.SingleToInt32Bits(r) != BitConverter.SingleToInt32Bits(o))
            {
                nmse = NormalizedError(recorded, ours);
                return $"element {i} is {Show(o)}, recorded {Show(r)} (exact match required; NMSE {nmse:G3})";
            }
            double d = (double)o - r;
            err += d * d;
            norm += (double)r * r;
        }
        nmse = err == 0 ? 0 : norm == 0 ? double.PositiveInfinity : err / norm;
        return maxNmse is { } max && !(nmse <= max) ? $"NMSE {nmse:G3} exceeds {max:G3}" : null;
    }

    /// <summary>The format that reads <paramref name="type"/> as floats, or null for integer and unreadable types.</summary>
    private static RowFormat? FloatFormat(uint type)
    {
        if (!TypeTraits.TryGet(type, out TypeInfo? info))
        {
            return null;
        }
        bool isFloat = info.Value.IsQuantized || info.Value.Type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;
        return isFloat ? RowFormats.Find(info.Value.Type) : null;
    }

    private static double NormalizedError(ReadOnlySpan<float> recorded, ReadOnlySpan<float> ours)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < recorded.Length; i++)
        {
            if (float.IsFinite(recorded[i]) && float.IsFinite(ours[i]))
            {
                double d = (double)ours[i] - recorded[i];
                err += d * d;
                norm += (double)recorded[i] * recorded[i];
            }
        }
        return err == 0 ? 0 : norm == 0 ? double.PositiveInfinity : err / norm;
    }

    private static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.CommonPrefixLength(b);

    private static string Show(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
