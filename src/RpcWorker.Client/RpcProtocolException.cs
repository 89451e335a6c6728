using RpcWorker.Protocol;

namespace RpcWorker.Client;

/// <summary>The server sent a reply that does not fit the protocol (wrong size, impossible value or incompatible version).</summary>
public class RpcProtocolException : Exception
{
    public RpcProtocolException(byte command, string message)
        : base($"{DescribeCommand(command)}: {message}")
    {
        Command = command;
    }

    /// <summary>The command byte whose reply was rejected.</summary>
    public byte Command { get; }

    /// <summary>The name of a 5.1.0 command, or <c>CMD(n)</c> for any other byte.</summary>
    public static string DescribeCommand(byte command) =>
        Enum.IsDefined((RpcCommand)command) ? ((RpcCommand)command).ToString() : $"CMD({command})";
}
