using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RpcWorker.Host.Tests;

public class WorkerCommandTests
{
    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--threads", "-1")]
    [InlineData("--mem", "0")]
    [InlineData("--backlog", "0")]
    [InlineData("--keepalive-count", "1000")]
    [InlineData("--recv-buffer", "10")]
    [InlineData("--max-graph-bytes", "5")]
    public async Task InvalidSettings_ExitNonZeroWithClearMessage(string flag, string value)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await WorkerCommand.RunAsync([flag, value], output, error);
        Assert.Equal(WorkerCommand.ExitUsage, exit);
        Assert.Contains("invalid settings", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFlag_PrintsUsageAndExits2()
    {
        var error = new StringWriter();
        Assert.Equal(WorkerCommand.ExitUsage, await WorkerCommand.RunAsync(["--nope"], new StringWriter(), error));
        Assert.Contains("unknown argument '--nope'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: rpc-worker", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PrintsUsageAndExits0()
    {
        var output = new StringWriter();
        Assert.Equal(WorkerCommand.ExitOk, await WorkerCommand.RunAsync(["--help"], output, new StringWriter()));
        Assert.Contains("--cache [DIR]", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_ServesOnPort0AndStopsCleanly()
    {
        var output = new StringWriter();
        using IHost host = WorkerCommand.Build(CommandLine.Parse(["-p", "0", "-t", "1", "-m", "64"]), output);
        await host.StartAsync();
        var service = (RpcWorkerService)host.Services.GetServices<IHostedService>().Single(s => s is RpcWorkerService);
        RpcWorker.Server.RpcServer server = service.Server!;
        Assert.Contains($"endpoint       : {server.LocalEndPoint}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("protocol 5.1.0", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("memory         : 64 MiB", output.ToString(), StringComparison.Ordinal);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.LocalEndPoint);
        NetworkStream stream = tcp.GetStream();
        byte[] hello = [14, 24, 0, 0, 0, 0, 0, 0, 0, .. new byte[24]];
        await stream.WriteAsync(hello);
        var reply = new byte[36];
        await stream.ReadExactlyAsync(reply);
        Assert.Equal(new byte[] { 28, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0, 0 }, reply[..12]);

        await host.StopAsync();
        Assert.Null(service.Server);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
    }

    [Fact]
    public void EnvironmentVariables_BindTheRpcWorkerSection()
    {
        Environment.SetEnvironmentVariable("RPCWORKER__BACKLOG", "7");
        try
        {
            using IHost host = WorkerCommand.Build(CommandLine.Parse(["-p", "0"]), new StringWriter());
            Assert.Null(WorkerCommand.Validate(host.Services));
            var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RpcWorker.Server.ServerOptions>>().Value;
            Assert.Equal(7, options.Backlog);
            Assert.Equal(0, options.Port);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RPCWORKER__BACKLOG", null);
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.168.1.5", false)]
    [InlineData("example.org", false)]
    public void IsLoopback_RecognisesLoopbackAddresses(string host, bool expected) =>
        Assert.Equal(expected, RpcWorkerService.IsLoopback(host));
}
