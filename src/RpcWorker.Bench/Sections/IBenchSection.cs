namespace RpcWorker.Bench.Sections;

/// <summary>One part of the benchmark, adding its rows to <see cref="BenchContext.Results"/>.</summary>
internal interface IBenchSection
{
    string Name { get; }

    Task RunAsync(BenchContext context);
}
