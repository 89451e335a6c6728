using RpcWorker.Compute.Kernels.Training;

namespace RpcWorker.Compute.Kernels;

public static partial class KernelRegistry
{
    static partial void RegisterTraining()
    {
        Register(GgmlOp.OptStepAdamW, new OptStepAdamW());
        Register(GgmlOp.OptStepSgd, new OptStepSgd());
        Register(GgmlOp.CrossEntropyLoss, new CrossEntropyLoss());
        Register(GgmlOp.CrossEntropyLossBack, new CrossEntropyLossBack());
        Register(GgmlOp.SiluBack, new SiluBack());
        Register(GgmlOp.RepeatBack, new RepeatBack());
        Register(GgmlOp.GetRowsBack, new GetRowsBack());
        Register(GgmlOp.RmsNormBack, new RmsNormBack());
        Register(GgmlOp.SoftMaxBack, new SoftMaxBack());
        Register(GgmlOp.Im2ColBack, new Im2ColBack());
        Register(GgmlOp.Pool2DBack, new Pool2DBack());
        Register(GgmlOp.FlashAttnBack, new FlashAttnBack());
    }
}
