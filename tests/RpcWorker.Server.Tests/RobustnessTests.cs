using System.Buffers.Binary;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests;

/// <summary>Hostile and broken input: each case must close only the offending session, free its memory, and keep serving.</summary>
public class RobustnessTests
{
    private static byte[] Frame(RpcCommand command, byte[] payload) => RawClient.Frame(command, payload);

    private static async Task ExpectClosedAsync(RpcServer server, Func<RawClient, Task> act, bool hello = true)
    {
        await using (RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint, hello))
        {
            await act(client);
            await client.AssertClosedAsync();
        }
        await server.AssertDrainedAsync();
        await server.AssertServesNewClientAsync();
        await server.AssertDrainedAsync();
    }

    public static TheoryData<string> TruncationCases => new() { "hello", "alloc", "set_tensor", "get_tensor", "graph_compute", "get_alloc_size" };

    [Theory]
    [MemberData(nameof(TruncationCases))]
    public async Task TruncatedFrame_AtEveryPosition_EndsSessionCleanly(string name)
    {
        await using RpcServer server = await TestServer.StartAsync();
        byte[] hello = Frame(RpcCommand.Hello, new byte[24]);
        byte[] frame = name switch
        {
            "hello" => hello,
            "alloc" => Frame(RpcCommand.AllocBuffer, RawClient.Bytes(new AllocBuffer.Request(0, 64))),
            "set_tensor" => Frame(RpcCommand.SetTensor, [.. RawClient.Bytes(new SetTensor.Header(default, 0)), .. new byte[40]]),
            "get_tensor" => Frame(RpcCommand.GetTensor, RawClient.Bytes(new GetTensor.Request(default, 0, 0))),
            "graph_compute" => Frame(RpcCommand.GraphCompute, GraphPayloads.Payload([1], [Tensors.F32(1, 0, 0, 0)])),
            _ => Frame(RpcCommand.GetAllocSize, RawClient.Bytes(new GetAllocSize.Request())),
        };
        byte[] prefix = name == "hello" ? [] : hello;
        for (int cut = 0; cut < frame.Length; cut++)
        {
            await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint, hello: false);
            byte[] bytes = [.. prefix, .. frame.AsSpan(0, cut)];
            await client.SendRawAsync(bytes);
        }
        await server.AssertDrainedAsync();
        await server.AssertServesNewClientAsync();
    }

    public static TheoryData<byte, ulong> OversizeCases()
    {
        var data = new TheoryData<byte, ulong>();
        for (byte command = 0; command < 18; command++)
        {
            foreach (ulong size in new[] { ulong.MaxValue, 1UL << 63, FrameLimits.DefaultMaxSetTensorPayload + 1, (1UL << 32) + 4 })
            {
                // A SET_TENSOR of 4 GiB is within its cap: it is only rejected once its 304-byte header arrives.
                if (command != (byte)RpcCommand.SetTensor || size > FrameLimits.DefaultMaxSetTensorPayload)
                {
                    data.Add(command, size);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(OversizeCases))]
    public async Task DeclaredSizeUpTo2Pow64_ClosesWithoutBuffering(byte command, ulong size)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(command, size, new byte[64]));
    }

    [Theory]
    [InlineData(RpcCommand.AllocBuffer, 11)]
    [InlineData(RpcCommand.AllocBuffer, 13)]
    [InlineData(RpcCommand.GetAlignment, 0)]
    [InlineData(RpcCommand.BufferGetBase, 4)]
    [InlineData(RpcCommand.BufferClear, 8)]
    [InlineData(RpcCommand.SetTensor, 303)]
    [InlineData(RpcCommand.SetTensorHash, 304)]
    [InlineData(RpcCommand.GetTensor, 313)]
    [InlineData(RpcCommand.CopyTensor, 296)]
    [InlineData(RpcCommand.GraphCompute, 11)]
    [InlineData(RpcCommand.InitTensor, 0)]
    [InlineData(RpcCommand.GetAllocSize, 3259)]
    [InlineData(RpcCommand.Hello, 0)]
    [InlineData(RpcCommand.DeviceCount, 4)]
    [InlineData(RpcCommand.GraphRecompute, 8)]
    [InlineData(RpcCommand.MemsetTensor, 312)]
    public async Task WrongFixedSize_Closes(RpcCommand command, int size)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(command, new byte[size]), hello: command != RpcCommand.Hello);
    }

    [Theory]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(200)]
    [InlineData(255)]
    public async Task UnknownCommandByte_Closes(byte command)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(command, 0, []));
    }

    [Theory]
    [InlineData(RpcCommand.DeviceCount)]
    [InlineData(RpcCommand.AllocBuffer)]
    [InlineData(RpcCommand.GetAlignment)]
    public async Task CommandBeforeHello_Closes(RpcCommand command)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(command, new byte[FrameReader.FixedPayloadSize(command)]), hello: false);
    }

    [Fact]
    public async Task SecondHello_Closes()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(RpcCommand.Hello, new byte[24]));
    }

    [Fact]
    public async Task ForeignBufferHandles_AreUnknown()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient owner = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await owner.AllocWithBaseAsync(256);
        RpcTensor tensor = Tensors.Bytes(h, b, 256);
        await owner.SetTensorAsync(tensor, 0, Enumerable.Repeat((byte)7, 256).ToArray());

        var attacks = new Func<RawClient, Task>[]
        {
            c => c.SendAsync(RpcCommand.BufferGetBase, new BufferRequest(h)),
            c => c.SendAsync(RpcCommand.FreeBuffer, new BufferRequest(h)),
            c => c.SendAsync(RpcCommand.BufferClear, new BufferClear.Request(h, 0)),
            c => c.SetTensorAsync(tensor, 0, new byte[16]),
            c => c.SendAsync(RpcCommand.GetTensor, new GetTensor.Request(tensor, 0, 16)),
            c => c.SendAsync(RpcCommand.MemsetTensor, new MemsetTensor.Request(tensor, 0, 16, 0)),
            c => c.SendAsync(RpcCommand.SetTensorHash, new SetTensorHash.Request(tensor, 0, 1)),
            c => c.SendAsync(RpcCommand.CopyTensor, new CopyTensor.Request(tensor, tensor)),
            c => c.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([1], [tensor])),
            c => c.SendAsync(RpcCommand.BufferGetBase, new BufferRequest(0x1234_5678)),
            c => c.SendAsync(RpcCommand.FreeBuffer, new BufferRequest(0)),
        };
        foreach (Func<RawClient, Task> attack in attacks)
        {
            await using RawClient intruder = await RawClient.ConnectAsync(server.LocalEndPoint);
            await attack(intruder);
            await intruder.AssertClosedAsync();
        }
        Assert.Equal(Enumerable.Repeat((byte)7, 256).ToArray(), await owner.GetTensorAsync(tensor, 0, 256));
        Assert.Equal(256UL, server.HeldBytes);
    }

    public static TheoryData<string> OutOfRangeCases => new()
    {
        "set_offset_past_end", "set_overruns_end", "set_offset_wraps", "get_size_wraps", "get_offset_at_end",
        "data_below_base", "data_past_end", "extent_past_end", "extent_overflows", "copy_dst_overrun",
        "memset_past_tensor", "memset_offset_wraps", "hash_offset_past_end", "init_extent_past_end",
    };

    [Theory]
    [MemberData(nameof(OutOfRangeCases))]
    public async Task DataOffsetOrSizeOutsideBuffer_Closes(string name)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, async c =>
        {
            (ulong h, ulong b) = await c.AllocWithBaseAsync(256);
            RpcTensor t = Tensors.Bytes(h, b, 256);
            RpcTensor small = Tensors.Bytes(h, b, 16);
            RpcTensor wide = Tensors.Bytes(h, b + 8, 256);
            RpcTensor huge = Tensors.Contiguous(1, 0, 4, h, b, 1 << 20, 1 << 20);
            huge.Nb[1] = uint.MaxValue;
            huge.Nb[2] = uint.MaxValue;
            huge.Ne[2] = uint.MaxValue;
            huge.Ne[3] = uint.MaxValue;
            huge.Nb[3] = uint.MaxValue;
            Task task = name switch
            {
                "set_offset_past_end" => c.SetTensorAsync(t, 256, [1]),
                "set_overruns_end" => c.SetTensorAsync(t, 200, new byte[57]),
                "set_offset_wraps" => c.SetTensorAsync(t, ulong.MaxValue - 4, new byte[8]),
                "get_size_wraps" => c.SendAsync(RpcCommand.GetTensor, new GetTensor.Request(t, 8, ulong.MaxValue - 4)),
                "get_offset_at_end" => c.SendAsync(RpcCommand.GetTensor, new GetTensor.Request(t, 256, 0)),
                "data_below_base" => c.SendAsync(RpcCommand.GetTensor, new GetTensor.Request(Tensors.Bytes(h, b - 32, 16), 32, 1)),
                "data_past_end" => c.SendAsync(RpcCommand.InitTensor, new InitTensor.Request(Tensors.Bytes(h, b + 300, 1))),
                "extent_past_end" => c.SendAsync(RpcCommand.GetTensor, new GetTensor.Request(wide, 0, 1)),
                "extent_overflows" => c.SendAsync(RpcCommand.InitTensor, new InitTensor.Request(huge)),
                "copy_dst_overrun" => c.SendAsync(RpcCommand.CopyTensor, new CopyTensor.Request(t, Tensors.Bytes(h, b + 128, 16))),
                "memset_past_tensor" => c.SendAsync(RpcCommand.MemsetTensor, new MemsetTensor.Request(small, 8, 9, 0)),
                "memset_offset_wraps" => c.SendAsync(RpcCommand.MemsetTensor, new MemsetTensor.Request(small, ulong.MaxValue, 2, 0)),
                "hash_offset_past_end" => c.SendAsync(RpcCommand.SetTensorHash, new SetTensorHash.Request(t, 256, 1)),
                _ => c.SendAsync(RpcCommand.InitTensor, new InitTensor.Request(Tensors.Bytes(h, b + 250, 7))),
            };
            await task;
        });
    }

    [Theory]
    [InlineData(4u)]
    [InlineData(5u)]
    [InlineData(31u)]
    [InlineData(32u)]
    [InlineData(33u)]
    [InlineData(36u)]
    [InlineData(37u)]
    [InlineData(38u)]
    [InlineData(43u)]
    [InlineData(44u)]
    [InlineData(uint.MaxValue)]
    public async Task RemovedOrUnknownType_Closes(uint type)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(RpcCommand.InitTensor, new InitTensor.Request(Tensors.Contiguous(1, type, 1, 0, 0, 4))));
        await ExpectClosedAsync(server, async c =>
        {
            var request = new GetAllocSize.Request { Tensor = Tensors.F32(1, 0, 0, 4) };
            request.Srcs[3] = Tensors.Contiguous(9, type, 1, 0, 0, 4);
            await c.SendAsync(RpcCommand.GetAllocSize, request);
        });
    }

    public static TheoryData<string> BadGraphCases => new()
    {
        "dangling_node", "dangling_src", "dangling_view_src", "cycle", "self_cycle", "duplicate_id", "zero_tensor_id",
        "data_without_buffer", "storage_missing", "foreign_data", "op_out_of_range", "counts_too_large", "device_one",
        "tensor_outside_buffer",
    };

    [Theory]
    [MemberData(nameof(BadGraphCases))]
    public async Task BadGraph_Closes(string name)
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, async c =>
        {
            (ulong h, ulong b) = await c.AllocWithBaseAsync(1024);
            RpcTensor A(ulong id) => Tensors.F32(id, h, b, 4);
            byte[] payload = name switch
            {
                "dangling_node" => GraphPayloads.Payload([2], [A(1)]),
                "dangling_src" => GraphPayloads.Payload([1], [A(1).WithOp(GraphPayloads.OpNone, 0, 0, 7)]),
                "dangling_view_src" => GraphPayloads.Payload([1], [A(1) with { ViewSrc = 9 }]),
                "cycle" => GraphPayloads.Payload([1], [A(1).WithOp(0, 2), A(2).WithOp(0, 3), A(3).WithOp(0, 1)]),
                "self_cycle" => GraphPayloads.Payload([1], [A(1) with { ViewSrc = 1 }]),
                "duplicate_id" => GraphPayloads.Payload([1], [A(1), A(1)]),
                "zero_tensor_id" => GraphPayloads.Payload([1], [A(1), A(0)]),
                "data_without_buffer" => GraphPayloads.Payload([1], [Tensors.F32(1, 0, b, 4)]),
                "storage_missing" => GraphPayloads.Payload([1], [Tensors.F32(1, 0, 0, 4)]),
                "foreign_data" => GraphPayloads.Payload([1], [Tensors.F32(1, 0xDEAD_0000, b, 4)]),
                "op_out_of_range" => GraphPayloads.Payload([1], [A(1) with { Op = 101 }]),
                "counts_too_large" => CountsTooLarge(),
                "device_one" => GraphPayloads.Payload([1], [A(1)], device: 1),
                _ => GraphPayloads.Payload([1], [Tensors.F32(1, h, b + 1020, 4)]),
            };
            await c.SendAsync(RpcCommand.GraphCompute, payload);
        });
    }

    private static byte[] CountsTooLarge()
    {
        byte[] payload = GraphPayloads.Payload([1], [Tensors.F32(1, 0, 0, 0)]);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(16), 2);
        return payload;
    }

    [Fact]
    public async Task GraphWithEmptySlotsAndEmptyTensorsWithoutStorage_IsAccepted()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync(RpcCommand.GraphCompute, GraphPayloads.Payload([0, 1, 0], [Tensors.F32(1, 0, 0, 0)]));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task RecomputeWithoutGraph_Closes()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await ExpectClosedAsync(server, c => c.SendAsync(RpcCommand.GraphRecompute, new DeviceRequest(0)));
    }

    [Fact]
    public async Task DisconnectMidUpload_FreesEverythingAndKeepsServing()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using (RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint))
        {
            (ulong h, ulong b) = await client.AllocWithBaseAsync(64 << 20);
            var header = new byte[9 + SetTensor.Header.WireSize];
            header[0] = (byte)RpcCommand.SetTensor;
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(1), (ulong)(SetTensor.Header.WireSize + (64 << 20)));
            new SetTensor.Header(Tensors.Bytes(h, b, 64), 0).Write(header.AsSpan(9));
            await client.SendRawAsync(header);
            await client.SendRawAsync(new byte[1 << 20]);
            Assert.Equal(1, server.ActiveSessions);
        }
        await server.AssertDrainedAsync();
        await server.AssertServesNewClientAsync();
    }

    [Fact]
    public async Task ThousandAbortedSessions_LeaveNothingBehind()
    {
        await using RpcServer server = await TestServer.StartAsync();
        for (int i = 0; i < 1000; i++)
        {
            await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
            await client.AllocAsync(4096 + (ulong)i);
            switch (i % 4)
            {
                case 0:
                    await client.SendRawAsync(new byte[] { (byte)RpcCommand.SetTensor, 0xFF });
                    break;
                case 1:
                    await client.SendAsync(RpcCommand.SetTensor, new byte[100]);
                    break;
                case 2:
                    await client.SendAsync(99, 0, []);
                    break;
            }
        }
        await server.AssertDrainedAsync();
        await server.AssertServesNewClientAsync();
        await server.AssertDrainedAsync();
    }

    [Fact]
    public async Task Stop_ClosesLiveSessionsAndFreesMemory()
    {
        RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        await client.AllocAsync(1 << 20);
        await server.StopAsync();
        Assert.Equal(0, server.ActiveSessions);
        Assert.Equal(0UL, server.HeldBytes);
        await client.AssertClosedAsync();
        await server.DisposeAsync();
    }
}
