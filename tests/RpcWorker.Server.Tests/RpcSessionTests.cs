using System.Buffers.Binary;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests;

/// <summary>
/// Requests that reach the server in pieces, as TCP may deliver them: a real client writes the header and the payload with
/// separate sends, so the session must wait for the rest of a frame it has only partly seen, whatever the cut.
/// </summary>
public class RpcSessionTests
{
    private static byte[] Frame<T>(RpcCommand command, T message)
        where T : struct, IWireMessage<T> => RawClient.Frame(command, RawClient.Bytes(message));

    private static byte[] Frame(RpcCommand command, byte[] payload) => RawClient.Frame(command, payload);

    private static async Task SendInTwoAsync(RawClient client, byte[] frame, int cut)
    {
        await client.SendRawAsync(frame.AsMemory(0, cut));
        await Task.Delay(2);
        await client.SendRawAsync(frame.AsMemory(cut));
    }

    /// <summary>Every cut near the header and the end of the frame, and a stride through the middle of long ones.</summary>
    private static IEnumerable<int> Cuts(int length) =>
        Enumerable.Range(1, length - 1).Where(cut => cut <= 24 || cut >= length - 24 || cut % 61 == 0);

    public static TheoryData<string> Commands => new() { "alloc_buffer", "get_alloc_size", "buffer_clear", "get_tensor", "set_tensor" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task RequestSplitAtAnyByte_IsAnswered(string command)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong handle, ulong baseAddress) = await client.AllocWithBaseAsync(256);
        RpcTensor tensor = Tensors.Bytes(handle, baseAddress, 256);
        byte[] data = Enumerable.Range(0, 48).Select(i => (byte)(i * 7 + 1)).ToArray();
        byte[] frame = command switch
        {
            "alloc_buffer" => Frame(RpcCommand.AllocBuffer, new AllocBuffer.Request(0, 64)),
            "get_alloc_size" => Frame(RpcCommand.GetAllocSize, new GetAllocSize.Request { Tensor = tensor }),
            "buffer_clear" => Frame(RpcCommand.BufferClear, new BufferClear.Request(handle, 0x5A)),
            "get_tensor" => Frame(RpcCommand.GetTensor, new GetTensor.Request(tensor, 16, 32)),
            _ => Frame(RpcCommand.SetTensor, [.. RawClient.Bytes(new SetTensor.Header(tensor, 100)), .. data]),
        };
        foreach (int cut in Cuts(frame.Length))
        {
            await SendInTwoAsync(client, frame, cut);
            switch (command)
            {
                case "alloc_buffer":
                    Assert.Equal(16, (await client.ReadResponseAsync()).Length);
                    break;
                case "get_alloc_size":
                    Assert.Equal(256UL, BinaryPrimitives.ReadUInt64LittleEndian(await client.ReadResponseAsync()));
                    break;
                case "buffer_clear":
                    Assert.Empty(await client.ReadResponseAsync());
                    Assert.Equal(Enumerable.Repeat((byte)0x5A, 8), await client.GetTensorAsync(tensor, 248, 8));
                    break;
                case "get_tensor":
                    Assert.Equal(32, (await client.ReadResponseAsync()).Length);
                    break;
                default:
                    Assert.Equal(data, await client.GetTensorAsync(tensor, 100, (ulong)data.Length));
                    await client.SetTensorAsync(tensor, 100, new byte[data.Length]);
                    break;
            }
        }
    }
}
