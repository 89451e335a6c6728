namespace RpcWorker.Compute.Kernels.Sequence;

/// <summary>
/// Shape rules shared by the RWKV/GLA recurrences: per-token inputs <c>[S, H, T]</c>, a state of <c>S·S·H·n_seqs</c>
/// floats with n_seqs = state.ne1, tokens split evenly across sequences, output <c>[S·H, T + S·n_seqs]</c>
/// (outputs then new states).
/// </summary>
internal static class RecurrentLayout
{
    /// <summary>
    /// Null when the node fits the layout. <paramref name="stateIndex"/> is the source holding the state;
    /// <paramref name="perChannelIndex"/> (or -1) a source with one value per channel and head instead of per token.
    /// </summary>
    public static string? Validate(Tensor node, int sourceCount, int stateIndex, int perChannelIndex = -1)
    {
        if (KernelChecks.RequireF32(node, sourceCount) is { } typeError)
        {
            return typeError;
        }
        Tensor reference = node.Src[stateIndex == 0 ? 1 : 0]!;
        long s = reference.Ne[0], h = reference.Ne[1], t = reference.Ne[2];
        Tensor state = node.Src[stateIndex]!;
        long nSeqs = state.Ne[1];
        for (int i = 0; i < sourceCount; i++)
        {
            Tensor src = node.Src[i]!;
            if (!src.IsContiguous)
            {
                return $"src{i} must be contiguous";
            }
            if (i == perChannelIndex ? src.NElements != checked(s * h) : i != stateIndex && !KernelChecks.HasShape(src, s, h, t, 1))
            {
                return $"src{i} must be [S, H, n_tokens] (or S*H values per channel)";
            }
        }
        if (nSeqs < 1 || t % nSeqs != 0 || state.NElements != checked(s * s * h * nSeqs))
        {
            return "state must hold S*S*H floats per sequence and the tokens must split evenly across sequences";
        }
        if (!KernelChecks.HasShape(node, checked(s * h), checked(t + s * nSeqs), 1, 1) || !node.IsContiguous)
        {
            return "destination must be a contiguous [S*H, n_tokens + S*n_seqs]";
        }
        return null;
    }
}
