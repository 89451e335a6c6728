namespace RpcWorker.Bench;

/// <summary>One measured row: section, case, metric name, value and unit.</summary>
internal sealed record BenchResult(string Section, string Case, string Metric, double Value, string Unit);
