namespace RpcWorker.Compute;

/// <summary><c>enum ggml_op</c> at protocol 5.1.0 (<c>GGML_OP_COUNT</c> = 101).</summary>
public enum GgmlOp : uint
{
    None = 0, Dup, Add, AddId, Add1, Acc, Sub, Mul, Div, Sqr, Sqrt, Log, Sin, Cos, Sum, SumRows, CumSum, Mean, ArgMax,
    CountEqual, Repeat, RepeatBack, Concat, SiluBack, Norm, RmsNorm, RmsNormBack, GroupNorm, L2Norm, MulMat, MulMatId,
    OutProd, Scale, Set, Cpy, Cont, Reshape, View, Permute, Transpose, GetRows, GetRowsBack, SetRows, Diag, DiagMaskInf,
    DiagMaskZero, SoftMax, SoftMaxBack, Rope, RopeBack, Clamp, ConvTranspose1D, Im2Col, Im2ColBack, Im2Col3D, Col2Im1D,
    Conv2D, Conv3D, Conv2DDw, ConvTranspose2D, Pool1D, Pool2D, Pool2DBack, Upscale, Pad, PadReflect1D, Roll, Arange,
    TimestepEmbedding, ArgSort, TopK, LeakyRelu, Tri, Fill, FlashAttnExt, FlashAttnBack, SsmConv, SsmScan, WinPart,
    WinUnpart, GetRelPos, AddRelPos, RwkvWkv6, GatedLinearAttn, RwkvWkv7, SolveTri, GatedDeltaNet, LightningIndexer,
    Dsv4HcComb, Dsv4HcPre, Dsv4HcPost, Unary, MapCustom1, MapCustom2, MapCustom3, Custom, CrossEntropyLoss,
    CrossEntropyLossBack, OptStepAdamW, OptStepSgd, Glu,

    /// <summary>Number of ops; not an op.</summary>
    Count,
}
