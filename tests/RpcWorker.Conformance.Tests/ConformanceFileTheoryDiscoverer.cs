using Xunit.Abstractions;
using Xunit.Sdk;

namespace RpcWorker.Conformance.Tests;

/// <summary>Marks a transcript row as skipped when none of its sessions can run on the engine as it is (reason: what they need).</summary>
public sealed class ConformanceFileTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions,
        ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
    {
        if (dataRow is [string file] && file != ConformanceData.MissingMarker && File.Exists(ConformanceData.PathOf(file)))
        {
            IReadOnlyList<IReadOnlySet<string>> reasons;
            try
            {
                reasons = ConformanceRunner.ScanSkipReasons(ConformanceData.PathOf(file));
            }
            catch (RpcWorker.Conformance.Transcripts.TranscriptFormatException)
            {
                reasons = [];
            }
            if (reasons.Count > 0 && reasons.All(r => r.Count > 0))
            {
                string why = string.Join("; ", reasons.SelectMany(r => r).Distinct().Order(StringComparer.Ordinal));
                return CreateTestCasesForSkippedDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow,
                    $"all {reasons.Count} sessions skipped: {why}");
            }
        }
        return base.CreateTestCasesForDataRow(discoveryOptions, testMethod, theoryAttribute, dataRow);
    }
}
