using RpcWorker.Compute;
using RpcWorker.Compute.Execution;
using RpcWorker.Compute.Formats;
using RpcWorker.Compute.Kernels;
using RpcWorker.Compute.Kernels.Attention;

namespace RpcWorker.Benchmarks.Compute.Attention;

/// <summary>
/// Runs one kernel instance (possibly forced to a SIMD level) on a persistent team with its scratch memory, and owns
/// the tensors a benchmark builds.
/// </summary>
internal sealed unsafe class KernelHarness : IDisposable
{
    private readonly MemoryBudget _budget = new(ulong.MaxValue);
    private readonly List<NativeBuffer> _buffers = [];
    private ThreadTeam? _team;
    private Job? _job;

    public Tensor New(GgmlType type, params long[] ne)
    {
        var t = new Tensor { Type = type };
        for (int i = 0; i < Tensor.MaxDims; i++)
        {
            t.Ne[i] = i < ne.Length ? ne[i] : 1;
        }
        t.Nb = TensorLayout.ContiguousStrides(type, t.Ne);
        NativeBuffer buffer = NativeBuffer.TryAllocate(_budget, (ulong)Math.Max(t.NBytes, 1)) ?? throw new OutOfMemoryException();
        buffer.Fill(0);
        _buffers.Add(buffer);
        t.Data = (nint)buffer.Pointer;
        return t;
    }

    /// <summary>Uniform values in [lo, hi) converted to the tensor's type.</summary>
    public static void Fill(Tensor t, Random rng, float lo = -1f, float hi = 1f)
    {
        long n = t.NElements;
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            values[i] = lo + (float)rng.NextDouble() * (hi - lo);
        }
        fixed (float* src = values)
        {
            RowFormats.Get(t.Type).FromFloat(src, t.DataPtr, n);
        }
    }

    /// <summary>
    /// Builds FLASH_ATTN_EXT over q [D, queries, heads], k, v and mask (scale 1/√D, F32 precision) and prepares the
    /// kernel at the hardware SIMD level on a team of <paramref name="threads"/>.
    /// </summary>
    public void PrepareFlashAttn(Tensor q, Tensor k, Tensor v, Tensor mask, int threads)
    {
        Tensor dst = New(GgmlType.F32, v.Ne[0], q.Ne[2], q.Ne[1]);
        dst.Op = GgmlOp.FlashAttnExt;
        dst.Src[0] = q;
        dst.Src[1] = k;
        dst.Src[2] = v;
        dst.Src[3] = mask;
        dst.Params[0] = BitConverter.SingleToInt32Bits(1.0f / MathF.Sqrt(q.Ne[0]));
        dst.Params[3] = 10;
        Prepare(new FlashAttnExtKernel(SimdSupport.Hardware), dst, threads);
    }

    /// <summary>Validates <paramref name="node"/> for <paramref name="kernel"/> and prepares a team of <paramref name="threads"/>.</summary>
    public void Prepare(IOpKernel kernel, Tensor node, int threads)
    {
        string? reason = kernel.Validate(node);
        if (reason is not null)
        {
            throw new InvalidOperationException(reason);
        }
        long work = kernel.GetWorkSize(node, threads);
        byte* wdata = null;
        if (work > 0)
        {
            NativeBuffer scratch = NativeBuffer.TryAllocate(_budget, (ulong)work + 64) ?? throw new OutOfMemoryException();
            _buffers.Add(scratch);
            wdata = scratch.Pointer;
        }
        _team = new ThreadTeam(threads);
        _job = new Job(kernel, node, wdata, work);
    }

    public void Run() => _team!.Run(_job!);

    public void Dispose()
    {
        _team?.Dispose();
        foreach (NativeBuffer b in _buffers)
        {
            b.Dispose();
        }
        _buffers.Clear();
    }

    private sealed class Job(IOpKernel kernel, Tensor node, byte* wdata, long wsize) : ITeamJob
    {
        public void Run(ThreadTeam team, TeamMember member) => kernel.Compute(new ComputeParams(team, member, wdata, wsize), node);
    }
}
