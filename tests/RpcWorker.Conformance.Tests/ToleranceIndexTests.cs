namespace RpcWorker.Conformance.Tests;

public class ToleranceIndexTests
{
    private const string Sample = """
        # Conformance transcripts — index

        Text before the table.

        | file | sessions | class | max NMSE | recorded from |
        |---|---|---|---|---|
        | archs-llama.rpct | 2 | model | 1e-4 | test-llama-archs |
        | tbo-ARGMAX.rpct | 7 | op | exact | test-backend-ops -o ARGMAX |
        | tbo-SET_ROWS.rpct | 91 | op | 2e-07 | test-backend-ops -o SET_ROWS |
        """;

    [Fact]
    public void Parse_ReadsEveryRow()
    {
        ToleranceIndex index = ToleranceIndex.Parse(Sample);

        Assert.Equal(3, index.Entries.Count);
        Assert.Equal(new ToleranceClass("archs-llama.rpct", 2, "model", 1e-4), index.Find("archs-llama.rpct"));
        Assert.True(index.Find("tbo-ARGMAX.rpct")!.IsExact);
        Assert.Equal(2e-7, index.Find("tbo-SET_ROWS.rpct")!.MaxNmse);
        Assert.Null(index.Find("tbo-NOPE.rpct"));
    }

    [Theory]
    [InlineData("| x.rpct | many | op | 1e-7 | y |")]
    [InlineData("| x.rpct | 1 | op | tight | y |")]
    [InlineData("| x.rpct | 1 | op | -1 | y |")]
    public void Parse_MalformedRow_Throws(string row)
    {
        string text = "| file | sessions | class | max NMSE | recorded from |\n|---|---|---|---|---|\n" + row + "\n";
        Assert.Throws<FormatException>(() => ToleranceIndex.Parse(text));
    }

    [ConformanceTheory]
    [InlineData("INDEX.md")]
    public void Load_SharedIndex_ListsEveryTranscript(string indexFile)
    {
        Assert.True(ConformanceData.Exists, $"conformance transcripts not found at {ConformanceData.Directory}");
        ToleranceIndex index = ToleranceIndex.Load(ConformanceData.PathOf(indexFile));
        foreach (string path in Directory.GetFiles(ConformanceData.Directory, "*.rpct"))
        {
            Assert.NotNull(index.Find(Path.GetFileName(path)));
        }
    }
}
