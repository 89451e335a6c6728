using RpcWorker.Server;

namespace RpcWorker.Host.Tests;

public class CommandLineTests
{
    private static IReadOnlyDictionary<string, string?> Parse(params string[] args)
    {
        CommandLine cli = CommandLine.Parse(args);
        Assert.Null(cli.Error);
        Assert.False(cli.ShowHelp);
        return cli.Settings;
    }

    [Theory]
    [InlineData("-H", "0.0.0.0", "Host", "0.0.0.0")]
    [InlineData("--host", "::1", "Host", "::1")]
    [InlineData("-p", "50053", "Port", "50053")]
    [InlineData("--port", "0", "Port", "0")]
    [InlineData("-t", "8", "Threads", "8")]
    [InlineData("--threads", "3", "Threads", "3")]
    [InlineData("-m", "2048", "MemoryMiB", "2048")]
    [InlineData("--mem", "64", "MemoryMiB", "64")]
    [InlineData("-c", "/tmp/x", "CacheDirectory", "/tmp/x")]
    [InlineData("--cache", "rel/dir", "CacheDirectory", "rel/dir")]
    [InlineData("--cache-max", "100", "CacheMaxMiB", "100")]
    [InlineData("--tcp-nodelay", "off", "TcpNoDelay", "false")]
    [InlineData("--tcp-nodelay", "on", "TcpNoDelay", "true")]
    [InlineData("--tcp-nodelay", "FALSE", "TcpNoDelay", "false")]
    [InlineData("--tcp-nodelay", "true", "TcpNoDelay", "true")]
    [InlineData("--pin", "off", "PinThreads", "false")]
    [InlineData("--pin", "on", "PinThreads", "true")]
    [InlineData("--keepalive-idle", "60", "KeepAliveIdleSeconds", "60")]
    [InlineData("--keepalive-interval", "5", "KeepAliveIntervalSeconds", "5")]
    [InlineData("--keepalive-count", "9", "KeepAliveCount", "9")]
    [InlineData("--recv-buffer", "1048576", "ReceiveBufferBytes", "1048576")]
    [InlineData("--send-buffer", "65536", "SendBufferBytes", "65536")]
    [InlineData("--backlog", "4", "Backlog", "4")]
    [InlineData("--max-graph-bytes", "1024", "MaxGraphBytes", "1024")]
    public void Flag_MapsToItsSetting(string flag, string value, string key, string expected)
    {
        Assert.Equal(expected, Parse(flag, value)["RpcWorker:" + key]);
        if (flag.StartsWith("--", StringComparison.Ordinal))
        {
            Assert.Equal(expected, Parse($"{flag}={value}")["RpcWorker:" + key]);
        }
    }

    [Fact]
    public void Cache_WithoutValue_UsesDefaultDirectory()
    {
        Assert.Equal(ServerOptions.DefaultCacheDirectory(), Parse("-c")["RpcWorker:CacheDirectory"]);
        IReadOnlyDictionary<string, string?> settings = Parse("--cache", "-p", "1");
        Assert.Equal(ServerOptions.DefaultCacheDirectory(), settings["RpcWorker:CacheDirectory"]);
        Assert.Equal("1", settings["RpcWorker:Port"]);
    }

    [Fact]
    public void TcpNoDelay_WithoutValue_IsOn() => Assert.Equal("true", Parse("--tcp-nodelay")["RpcWorker:TcpNoDelay"]);

    [Fact]
    public void Pin_WithoutValue_IsOn() => Assert.Equal("true", Parse("--pin")["RpcWorker:PinThreads"]);

    [Fact]
    public void NoArguments_SetsNothing() => Assert.Empty(Parse());

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    public void Help_IsRecognised(string flag)
    {
        CommandLine cli = CommandLine.Parse(["-p", "1", flag]);
        Assert.True(cli.ShowHelp);
        Assert.Null(cli.Error);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-x")]
    [InlineData("stray")]
    [InlineData("-p")]
    [InlineData("-p", "abc")]
    [InlineData("--port=")]
    [InlineData("-t", "1.5")]
    [InlineData("--tcp-nodelay", "maybe")]
    [InlineData("-H")]
    public void BadArguments_AreRejected(params string[] args)
    {
        CommandLine cli = CommandLine.Parse(args);
        Assert.NotNull(cli.Error);
    }
}
