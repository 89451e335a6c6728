using RpcWorker.Compute;

namespace RpcWorker.Bench.Tests;

public class BenchOptionsTests
{
    [Fact]
    public void Parse_ReadsEveryOption()
    {
        BenchOptions? o = BenchOptions.Parse(
            ["--rpc", "10.0.0.2:61001", "--sections", "matmul,block", "--type", "q8_0", "--k", "256", "--n", "64", "--batch", "8",
             "--max-transfer-mib", "4", "--embd", "256", "--heads", "4", "--kv-heads", "2", "--ff", "512", "--layers", "3",
             "--ctx", "64", "--seconds", "0.5", "--json"], out string? error);

        Assert.Null(error);
        Assert.NotNull(o);
        Assert.Equal(("10.0.0.2", 61001), (o.Host, o.Port));
        Assert.Equal(["block", "matmul"], o.Sections.Order());
        Assert.Equal(GgmlType.Q8_0, o.Type);
        Assert.Equal((256L, 64L, 8L), (o.K, o.N, o.Batch));
        Assert.Equal(4L << 20, o.MaxTransferBytes);
        Assert.Equal((256L, 4L, 2L, 512L, 3, 64L), (o.Embd, o.Heads, o.KvHeads, o.FeedForward, o.Layers, o.Context));
        Assert.Equal(0.5, o.Seconds);
        Assert.True(o.Json);
    }

    [Theory]
    [InlineData("--sections", "latency")]
    [InlineData("--rpc", "localhost")]
    [InlineData("--rpc", "localhost:0")]
    [InlineData("--rpc", "localhost:99999")]
    [InlineData("--rpc", "h:1", "--type", "q9_9")]
    [InlineData("--rpc", "h:1", "--k", "-5")]
    [InlineData("--rpc", "h:1", "--sections", "latency,bogus")]
    [InlineData("--rpc", "h:1", "--type", "q4_0", "--k", "100")]
    [InlineData("--rpc", "h:1", "--embd", "100", "--heads", "3")]
    [InlineData("--rpc", "h:1", "--seconds")]
    [InlineData("--rpc", "h:1", "--frobnicate")]
    public void Parse_RejectsInvalidArguments(params string[] args)
    {
        Assert.Null(BenchOptions.Parse(args, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
