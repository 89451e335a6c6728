using RpcWorker.Bench;
using RpcWorker.Host;

// "rpc-worker bench ..." measures a worker; without a subcommand, rpc-worker serves with rpc-server flags.
if (args.Length > 0 && args[0] == "bench")
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };
    return await BenchCommand.RunAsync(args[1..], cancel.Token);
}
return await WorkerCommand.RunAsync(args, Console.Out, Console.Error);
