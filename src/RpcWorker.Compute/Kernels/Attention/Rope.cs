using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;

namespace RpcWorker.Compute.Kernels.Attention;

/// <summary>
/// ROPE and ROPE_BACK (<c>ggml_compute_forward_rope_flt</c>) for F32 and F16: normal, NeoX, multi-section (mrope),
/// interleaved mrope and vision modes, YaRN scaling (<c>rope_yarn</c>), optional frequency factors (src2) and a window
/// offset (op_params[15]). The backward op negates the sine. src0 rows may be strided; elements are packed.
/// </summary>
internal sealed unsafe class RopeKernel : IOpKernel
{
    private const int ModeNormal = 0;
    private const int ModeNeox = 2;
    private const int ModeMrope = 8;
    private const int ModeVision = 24;
    private const int ModeImrope = 40;
    private const int CacheLineFloats = 16;

    private readonly bool _forward;
    private readonly SimdLevel _level;

    public RopeKernel(bool forward)
        : this(forward, SimdSupport.Active)
    {
    }

    internal RopeKernel(bool forward, SimdLevel level)
    {
        _forward = forward;
        _level = level;
    }

    public string? Validate(Tensor node)
    {
        Tensor? src0 = node.Src[0];
        Tensor? pos = node.Src[1];
        if (src0 is null || pos is null)
        {
            return "rope needs src0 and positions";
        }
        if (src0.Type is not (GgmlType.F32 or GgmlType.F16) || node.Type != src0.Type)
        {
            return "rope supports f32 and f16 with the output type equal to the input type";
        }
        if (!TensorLayout.SameShape(src0, node))
        {
            return "rope output shape differs from src0";
        }
        long esize = src0.Info.TypeSize;
        if (src0.Nb[0] != esize || node.Nb[0] != esize)
        {
            return "rope rows must be packed";
        }
        long ne0 = src0.Ne[0];
        if (ne0 % 2 != 0 || ne0 > int.MaxValue / 4)
        {
            return "rope needs an even row length";
        }
        int nDims = node.Params[1];
        int mode = node.Params[2];
        int nOffs = node.Params[15];
        if (mode is not (ModeNormal or ModeNeox or ModeMrope or ModeVision or ModeImrope))
        {
            return $"rope mode {mode} is not supported";
        }
        if (nDims < 0 || nDims % 2 != 0 || nDims > ne0)
        {
            return "rope n_dims must be even and at most ne0";
        }
        if (nOffs < 0 || nOffs % 2 != 0 || (long)nOffs + nDims > ne0)
        {
            return "rope offset out of range";
        }
        bool mrope = (mode & ModeMrope) != 0;
        if (mrope)
        {
            long sum = 0;
            for (int i = 0; i < 4; i++)
            {
                int s = node.Params[11 + i];
                if (s < 0)
                {
                    return "rope sections must not be negative";
                }
                sum += s;
            }
            if (node.Params[11] <= 0 && node.Params[12] <= 0 && node.Params[13] <= 0)
            {
                return "rope multi-section needs a non-empty section";
            }
            if (sum > ne0)
            {
                return "rope sections exceed the row";
            }
        }
        if (mode == ModeVision && (nDims != ne0 / 2 || nOffs != 0))
        {
            return "vision rope needs n_dims = ne0/2 and no offset";
        }
        long needPos = mrope ? src0.Ne[2] * 4 : src0.Ne[2];
        if (pos.Type != GgmlType.I32 || pos.Nb[0] != sizeof(int) || pos.Ne[0] < needPos)
        {
            return "rope positions must be an i32 vector with one entry per position id";
        }
        if (node.Src[2] is { } ff)
        {
            long pairs = mode == ModeVision ? ne0 / 2 : nDims / 2;
            if (ff.Type != GgmlType.F32 || ff.Nb[0] != sizeof(float) || ff.Ne[0] < pairs)
            {
                return "rope frequency factors must be f32 with one value per rotated pair";
            }
        }
        return null;
    }

    public long GetWorkSize(Tensor node, int threads) => (long)threads * (3 * node.Src[0]!.Ne[0] + CacheLineFloats) * sizeof(float);

    public void Compute(in ComputeParams p, Tensor node)
    {
        Tensor src0 = node.Src[0]!;
        int* pos = (int*)node.Src[1]!.Data;
        float* freqFactors = node.Src[2] is { } ff ? (float*)ff.Data : null;

        int nDims = node.Params[1];
        int mode = node.Params[2];
        int nCtxOrig = node.Params[4];
        float freqBase = node.Params.GetFloat(5);
        float freqScale = node.Params.GetFloat(6);
        float extFactor = node.Params.GetFloat(7);
        float attnFactor = node.Params.GetFloat(8);
        float betaFast = node.Params.GetFloat(9);
        float betaSlow = node.Params.GetFloat(10);
        Span<int> sections = [node.Params[11], node.Params[12], node.Params[13], node.Params[14]];
        int nOffs = node.Params[15];

        long ne0 = src0.Ne[0], ne1 = src0.Ne[1], ne2 = src0.Ne[2], ne3 = src0.Ne[3];
        long nr = ne1 * ne2 * ne3;
        long dr = (nr + p.Nth - 1) / p.Nth;
        long ir0 = dr * p.Ith;
        long ir1 = Math.Min(ir0 + dr, nr);
        if (ir0 >= ir1)
        {
            return;
        }

        float thetaScale = MathF.Pow(freqBase, -2.0f / nDims);
        Span<float> corrDims = stackalloc float[2];
        YarnCorrDims(nDims, nCtxOrig, freqBase, betaFast, betaSlow, corrDims);

        bool isImrope = mode == ModeImrope;
        bool mropeUsed = (mode & ModeMrope) != 0;
        bool isVision = mode == ModeVision;
        bool adjacent = mode == ModeNormal;
        float sinSign = _forward ? 1.0f : -1.0f;

        int n0 = (int)ne0;
        int pairs = isVision ? n0 / 2 : nDims / 2;
        int offset = isVision ? nDims : nDims / 2;
        int window = isVision ? n0 : nDims;
        int start = isVision ? 0 : nOffs;

        float* cos = (float*)p.WData + (3 * ne0 + CacheLineFloats) * p.Ith;
        float* sin = cos + ne0;
        float* row = sin + ne0;

        long lastI2 = -1;
        for (long ir = ir0; ir < ir1; ir++)
        {
            long i1 = ir % ne1;
            long i2 = ir / ne1 % ne2;
            long i3 = ir / (ne1 * ne2);

            if (i2 != lastI2)
            {
                if (!mropeUsed)
                {
                    CacheInit(pos[i2], freqScale, freqFactors, corrDims, pairs, extFactor, attnFactor, cos, sin, sinSign, thetaScale);
                }
                else
                {
                    MropeCacheInit(pos[i2], pos[i2 + ne2], pos[i2 + ne2 * 2], pos[i2 + ne2 * 3], sections, isImrope, isVision,
                        freqScale, freqFactors, corrDims, pairs, extFactor, attnFactor, cos, sin, sinSign, thetaScale);
                }
                if (adjacent)
                {
                    Expand(cos, sin, pairs);
                }
                lastI2 = i2;
            }

            byte* s = src0.RowPtr(i1, i2, i3);
            byte* d = node.RowPtr(i1, i2, i3);
            if (src0.Type == GgmlType.F32)
            {
                float* fs = (float*)s, fd = (float*)d;
                Rotate(fs + start, fd + start, cos, sin, pairs, offset, adjacent);
                if (!isVision && fs != fd)
                {
                    CopyOutside(s, d, start, window, n0, sizeof(float));
                }
            }
            else
            {
                ushort* hs = (ushort*)s, hd = (ushort*)d;
                Fp16.ToSingle(hs + start, row, window);
                Rotate(row, row, cos, sin, pairs, offset, adjacent);
                Fp16.FromSingle(row, hd + start, window);
                if (!isVision && hs != hd)
                {
                    CopyOutside(s, d, start, window, n0, sizeof(ushort));
                }
            }
        }
    }

    private void Rotate(float* src, float* dst, float* cos, float* sin, int pairs, int offset, bool adjacent)
    {
        if (adjacent)
        {
            RopeRotate.Adjacent(src, dst, cos, sin, 2 * pairs, _level);
        }
        else
        {
            RopeRotate.Split(src, dst, cos, sin, pairs, offset, _level);
        }
    }

    /// <summary>Channels outside the rotated window keep their source bits.</summary>
    private static void CopyOutside(byte* src, byte* dst, int start, int window, int n0, int esize)
    {
        Buffer.MemoryCopy(src, dst, (long)start * esize, (long)start * esize);
        long tail = (long)(n0 - start - window) * esize;
        long from = (long)(start + window) * esize;
        Buffer.MemoryCopy(src + from, dst + from, tail, tail);
    }

    /// <summary>Turns per-pair (cos, sin) into the expanded tables <see cref="RopeRotate.Adjacent"/> reads, in place.</summary>
    private static void Expand(float* cos, float* sin, int pairs)
    {
        for (int i = pairs - 1; i >= 0; i--)
        {
            float c = cos[i], s = sin[i];
            cos[2 * i] = c;
            cos[2 * i + 1] = c;
            sin[2 * i] = -s;
            sin[2 * i + 1] = s;
        }
    }

    /// <summary><c>ggml_rope_yarn_corr_dims</c>.</summary>
    internal static void YarnCorrDims(int nDims, int nCtxOrig, float freqBase, float betaFast, float betaSlow, Span<float> dims)
    {
        float start = MathF.Floor(YarnCorrDim(nDims, nCtxOrig, betaFast, freqBase));
        float end = MathF.Ceiling(YarnCorrDim(nDims, nCtxOrig, betaSlow, freqBase));
        dims[0] = MathF.Max(0, start);
        dims[1] = MathF.Min(nDims - 1, end);
    }

    private static float YarnCorrDim(int nDims, int nCtxOrig, float nRot, float freqBase) =>
        nDims * MathF.Log(nCtxOrig / (nRot * 2 * (float)Math.PI)) / (2 * MathF.Log(freqBase));

    private static float YarnRamp(float low, float high, int i0)
    {
        float y = (i0 / 2 - low) / MathF.Max(0.001f, high - low);
        return 1 - MathF.Min(1, MathF.Max(0, y));
    }

    /// <summary><c>rope_yarn</c>: the (cos, sin) of one pair with YaRN interpolation/extrapolation and magnitude scaling.</summary>
    private static void Yarn(float thetaExtrap, float freqScale, ReadOnlySpan<float> corrDims, int i0, float extFactor, float mscale,
        out float cosTheta, out float sinTheta)
    {
        float thetaInterp = freqScale * thetaExtrap;
        float theta = thetaInterp;
        if (extFactor != 0.0f)
        {
            float rampMix = YarnRamp(corrDims[0], corrDims[1], i0) * extFactor;
            theta = thetaInterp * (1 - rampMix) + thetaExtrap * rampMix;
            mscale *= 1.0f + 0.1f * MathF.Log(1.0f / freqScale);
        }
        cosTheta = MathF.Cos(theta) * mscale;
        sinTheta = MathF.Sin(theta) * mscale;
    }

    private static void CacheInit(float thetaBase, float freqScale, float* freqFactors, ReadOnlySpan<float> corrDims, int pairs,
        float extFactor, float mscale, float* cos, float* sin, float sinSign, float thetaScale)
    {
        float theta = thetaBase;
        for (int i = 0; i < pairs; i++)
        {
            float ff = freqFactors is null ? 1.0f : freqFactors[i];
            Yarn(theta / ff, freqScale, corrDims, 2 * i, extFactor, mscale, out cos[i], out sin[i]);
            sin[i] *= sinSign;
            theta *= thetaScale;
        }
    }

    private static void MropeCacheInit(float thetaBaseT, float thetaBaseH, float thetaBaseW, float thetaBaseE, ReadOnlySpan<int> sections,
        bool isImrope, bool indepSects, float freqScale, float* freqFactors, ReadOnlySpan<float> corrDims, int pairs,
        float extFactor, float mscale, float* cos, float* sin, float sinSign, float thetaScale)
    {
        float thetaT = thetaBaseT, thetaH = thetaBaseH, thetaW = thetaBaseW, thetaE = thetaBaseE;
        int sectDims = sections[0] + sections[1] + sections[2] + sections[3];
        int secW = sections[1] + sections[0];
        int secE = sections[2] + secW;
        for (int i = 0; i < pairs; i++)
        {
            float ff = freqFactors is null ? 1.0f : freqFactors[i];
            int sector = i % sectDims;
            if (indepSects)
            {
                if (sector == 0)
                {
                    thetaT = thetaBaseT;
                }
                else if (sector == sections[0])
                {
                    thetaH = thetaBaseH;
                }
                else if (sector == secW)
                {
                    thetaW = thetaBaseW;
                }
                else if (sector == secE)
                {
                    thetaE = thetaBaseE;
                }
            }

            float theta;
            if (isImrope)
            {
                theta = sector % 3 == 1 && sector < 3 * sections[1] ? thetaH
                    : sector % 3 == 2 && sector < 3 * sections[2] ? thetaW
                    : sector % 3 == 0 && sector < 3 * sections[0] ? thetaT
                    : thetaE;
            }
            else
            {
                theta = thetaT;
                if (sector >= sections[0] && sector < secW)
                {
                    theta = thetaH;
                }
                else if (sector >= secW && sector < secW + sections[2])
                {
                    theta = thetaW;
                }
                else if (sector >= secW + sections[2])
                {
                    theta = thetaE;
                }
            }

            Yarn(theta / ff, freqScale, corrDims, 2 * i, extFactor, mscale, out cos[i], out sin[i]);
            sin[i] *= sinSign;
            thetaT *= thetaScale;
            thetaW *= thetaScale;
            thetaH *= thetaScale;
            thetaE *= thetaScale;
        }
    }
}
