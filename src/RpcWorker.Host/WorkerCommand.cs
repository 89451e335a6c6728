using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RpcWorker.Server;

namespace RpcWorker.Host;

/// <summary>
/// <c>rpc-worker [options]</c>: the worker itself. Settings come from appsettings.json (section <c>RpcWorker</c>),
/// <c>RPCWORKER__X</c> environment variables and rpc-server style flags, in rising precedence, and are validated on start.
/// </summary>
internal static class WorkerCommand
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const int ExitStartFailed = 1;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        CommandLine cli = CommandLine.Parse(args);
        if (cli.ShowHelp)
        {
            await output.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
            return ExitOk;
        }
        if (cli.Error is not null)
        {
            await error.WriteLineAsync($"rpc-worker: {cli.Error}").ConfigureAwait(false);
            await error.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
            return ExitUsage;
        }
        using IHost host = Build(cli, output);
        string? invalid = Validate(host.Services);
        if (invalid is not null)
        {
            await error.WriteLineAsync($"rpc-worker: invalid settings: {invalid}").ConfigureAwait(false);
            return ExitUsage;
        }
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitOk;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"rpc-worker: cannot start: {ex.Message}").ConfigureAwait(false);
            return ExitStartFailed;
        }
    }

    /// <summary>Binds and validates the settings up front, so a bad value ends with one clear line instead of a stack trace.</summary>
    internal static string? Validate(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<ServerOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return string.Join("; ", ex.Failures);
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    internal static IHost Build(CommandLine cli, TextWriter output)
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(cli.Settings);
        builder.Services.AddOptions<ServerOptions>()
            .Bind(builder.Configuration.GetSection(ServerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(output);
        builder.Services.AddHostedService<RpcWorkerService>();
        return builder.Build();
    }
}
