using RpcWorker.Host;

// Subcommands are picked by the first argument (e.g. "bench"); without one, rpc-worker serves with rpc-server flags.
return await WorkerCommand.RunAsync(args, Console.Out, Console.Error);
