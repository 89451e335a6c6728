using RpcWorker.Protocol;

Console.WriteLine($"rpc-worker, ggml RPC protocol {ProtocolVersion.Current}");
