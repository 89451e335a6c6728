namespace RpcWorker.Conformance;

/// <summary>
/// How closely float GET_TENSOR results of one transcript must match: <see cref="MaxNmse"/> is the largest accepted
/// normalized mean squared error, or null when values must be identical after dequantizing (<c>exact</c>).
/// </summary>
public sealed record ToleranceClass(string FileName, int Sessions, string Kind, double? MaxNmse)
{
    public bool IsExact => MaxNmse is null;

    public override string ToString() => IsExact ? $"{Kind} exact" : $"{Kind} NMSE <= {MaxNmse:G3}";
}
