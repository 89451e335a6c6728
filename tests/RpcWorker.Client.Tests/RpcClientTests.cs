using System.Buffers.Binary;
using RpcWorker.Protocol;

namespace RpcWorker.Client.Tests;

public class RpcClientTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private static RpcTensor MakeTensor(ulong id, ulong buffer, ulong data)
    {
        var t = new RpcTensor { Id = id, Type = 0, Buffer = buffer, Data = data };
        t.Ne[0] = 4;
        t.Ne[1] = t.Ne[2] = t.Ne[3] = 1;
        t.Nb[0] = 4;
        t.Nb[1] = t.Nb[2] = t.Nb[3] = 16;
        return t;
    }

    private static byte[] U64(ulong value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return b;
    }

    /// <summary>Runs <paramref name="script"/> as the server and <paramref name="client"/> against it; both must finish.</summary>
    private static async Task RunAsync(Func<FakeRpcServer, Task> script, Func<RpcClient, Task> client)
    {
        await using var server = new FakeRpcServer(script);
        await using RpcClient c = await RpcClient.ConnectAsync(server.EndPoint);
        await client(c).WaitAsync(s_timeout);
        await server.Completion.WaitAsync(s_timeout);
    }

    /// <summary>Reads one request, checks its command and payload size, and answers <paramref name="reply"/> (null: no reply).</summary>
    private static Func<FakeRpcServer, Task> Expect(RpcCommand command, int payloadSize, byte[]? reply,
        Action<byte[]>? check = null) => async s =>
    {
        (byte cmd, byte[] payload) = await s.ReadRequestAsync();
        Assert.Equal((byte)command, cmd);
        Assert.Equal(payloadSize, payload.Length);
        check?.Invoke(payload);
        if (reply is not null)
        {
            await s.ReplyAsync(reply);
        }
    };

    [Fact]
    public async Task ConnectAsync_SetsNoDelay()
    {
        await RunAsync(_ => Task.CompletedTask, c =>
        {
            Assert.True(c.Socket.NoDelay);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task ConnectAsync_ByHostName_Connects()
    {
        await using var server = new FakeRpcServer(Expect(RpcCommand.DeviceCount, 0, [1, 0, 0, 0]));
        await using RpcClient c = await RpcClient.ConnectAsync("localhost", server.EndPoint.Port);
        Assert.Equal(1u, await c.DeviceCountAsync().WaitAsync(s_timeout));
    }

    [Fact]
    public async Task HelloAsync_SendsZeroCapsAndReturnsServerVersion()
    {
        var reply = new byte[28];
        reply[0] = 5;
        reply[1] = 0;
        reply[2] = 3;
        await RunAsync(
            Expect(RpcCommand.Hello, 24, reply, p => Assert.All(p, b => Assert.Equal(0, b))),
            async c => Assert.Equal(new ProtocolVersion(5, 0, 3), await c.HelloAsync()));
    }

    [Theory]
    [InlineData(6, 0)]
    [InlineData(5, 2)]
    [InlineData(4, 0)]
    public async Task HelloAsync_IncompatibleServer_Throws(byte major, byte minor)
    {
        var reply = new byte[28];
        reply[0] = major;
        reply[1] = minor;
        await RunAsync(Expect(RpcCommand.Hello, 24, reply), async c =>
        {
            await Assert.ThrowsAsync<RpcProtocolException>(() => c.HelloAsync());
            Assert.True(c.IsFaulted);
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(27)]
    [InlineData(29)]
    public async Task HelloAsync_WrongReplySize_Throws(int size)
    {
        var reply = new byte[size];
        if (size > 0)
        {
            reply[0] = 5;
            reply[1] = 1;
        }
        await RunAsync(Expect(RpcCommand.Hello, 24, reply), async c =>
        {
            RpcProtocolException e = await Assert.ThrowsAsync<RpcProtocolException>(() => c.HelloAsync());
            Assert.Equal((byte)RpcCommand.Hello, e.Command);
        });
    }

    [Fact]
    public async Task DeviceQueries_SendDeviceAndParseU64()
    {
        await RunAsync(async s =>
        {
            await Expect(RpcCommand.GetAlignment, 4, U64(32), p => Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(p)))(s);
            await Expect(RpcCommand.GetMaxSize, 4, U64(ulong.MaxValue))(s);
            var mem = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(mem, 100);
            BinaryPrimitives.WriteUInt64LittleEndian(mem.AsSpan(8), 200);
            await Expect(RpcCommand.GetDeviceMemory, 4, mem)(s);
        }, async c =>
        {
            Assert.Equal(32UL, await c.GetAlignmentAsync(3));
            Assert.Equal(ulong.MaxValue, await c.GetMaxSizeAsync(0));
            Assert.Equal(new RpcDeviceMemory(100, 200), await c.GetDeviceMemoryAsync(0));
        });
    }

    [Fact]
    public async Task AllocBufferAsync_SendsDeviceAndSize()
    {
        var reply = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(reply, 0xABC);
        BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(8), 4096);
        await RunAsync(Expect(RpcCommand.AllocBuffer, 12, reply, p =>
        {
            Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(p));
            Assert.Equal(4000UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(4)));
        }), async c => Assert.Equal(new RpcBufferInfo(0xABC, 4096), await c.AllocBufferAsync(1, 4000)));
    }

    [Fact]
    public async Task AllocBufferAsync_FailedAllocation_ReturnsZeroHandle()
    {
        await RunAsync(Expect(RpcCommand.AllocBuffer, 12, new byte[16]), async c =>
            Assert.False((await c.AllocBufferAsync(0, 1UL << 50)).IsAllocated));
    }

    [Theory]
    [InlineData(0xABCUL, 100UL)]
    [InlineData(0UL, 4096UL)]
    public async Task AllocBufferAsync_ImpossibleReply_Throws(ulong ptr, ulong size)
    {
        var reply = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(reply, ptr);
        BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(8), size);
        await RunAsync(Expect(RpcCommand.AllocBuffer, 12, reply), async c =>
            await Assert.ThrowsAsync<RpcProtocolException>(() => c.AllocBufferAsync(0, 4096)));
    }

    [Fact]
    public async Task BufferCommands_SendRemotePtr()
    {
        await RunAsync(async s =>
        {
            await Expect(RpcCommand.BufferGetBase, 8, U64(0x7000),
                p => Assert.Equal(0x55UL, BinaryPrimitives.ReadUInt64LittleEndian(p)))(s);
            await Expect(RpcCommand.BufferClear, 9, [], p =>
            {
                Assert.Equal(0x55UL, BinaryPrimitives.ReadUInt64LittleEndian(p));
                Assert.Equal(0xEE, p[8]);
            })(s);
            await Expect(RpcCommand.FreeBuffer, 8, [], p => Assert.Equal(0x55UL, BinaryPrimitives.ReadUInt64LittleEndian(p)))(s);
        }, async c =>
        {
            Assert.Equal(0x7000UL, await c.BufferGetBaseAsync(0x55));
            await c.BufferClearAsync(0x55, 0xEE);
            await c.FreeBufferAsync(0x55);
        });
    }

    [Fact]
    public async Task FreeBufferAsync_NonEmptyReply_Throws()
    {
        await RunAsync(Expect(RpcCommand.FreeBuffer, 8, [1]), async c =>
            await Assert.ThrowsAsync<RpcProtocolException>(() => c.FreeBufferAsync(1)));
    }

    [Fact]
    public async Task SetTensorAsync_StreamsTensorOffsetAndData()
    {
        RpcTensor t = MakeTensor(7, 0x10, 0x2000);
        byte[] data = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        await RunAsync(async s =>
        {
            await Expect(RpcCommand.SetTensor, 304 + data.Length, null, p =>
            {
                Assert.Equal(7UL, RpcTensor.Read(p).Id);
                Assert.Equal(12UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(296)));
                Assert.True(p.AsSpan(304).SequenceEqual(data));
            })(s);
            await Expect(RpcCommand.DeviceCount, 0, [1, 0, 0, 0])(s);
        }, async c =>
        {
            await c.SetTensorAsync(t, 12, data);
            Assert.Equal(1u, await c.DeviceCountAsync());
        });
    }

    [Fact]
    public async Task SetTensorHashAsync_ParsesResult()
    {
        RpcTensor t = MakeTensor(1, 2, 3);
        await RunAsync(async s =>
        {
            await Expect(RpcCommand.SetTensorHash, 312, [1],
                p => Assert.Equal(0xCBF29CE484222325UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(304))))(s);
            await Expect(RpcCommand.SetTensorHash, 312, [0])(s);
        }, async c =>
        {
            Assert.True(await c.SetTensorHashAsync(t, 0, 0xCBF29CE484222325UL));
            Assert.False(await c.SetTensorHashAsync(t, 0, 1));
        });
    }

    [Fact]
    public async Task SetTensorHashAsync_ResultNotZeroOrOne_Throws()
    {
        await RunAsync(Expect(RpcCommand.SetTensorHash, 312, [2]), async c =>
            await Assert.ThrowsAsync<RpcProtocolException>(() => c.SetTensorHashAsync(MakeTensor(1, 2, 3), 0, 9)));
    }

    [Fact]
    public async Task GetTensorAsync_ReadsIntoCallerMemory()
    {
        byte[] data = [9, 8, 7, 6, 5];
        await RunAsync(Expect(RpcCommand.GetTensor, 312, data, p =>
        {
            Assert.Equal(3UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(296)));
            Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(304)));
        }), async c =>
        {
            var destination = new byte[8];
            await c.GetTensorAsync(MakeTensor(1, 2, 3), 3, destination.AsMemory(1, 5));
            Assert.Equal(new byte[] { 0, 9, 8, 7, 6, 5, 0, 0 }, destination);
        });
    }

    [Fact]
    public async Task GetTensorAsync_ShortReply_Throws()
    {
        await RunAsync(Expect(RpcCommand.GetTensor, 312, [1, 2]), async c =>
            await Assert.ThrowsAsync<RpcProtocolException>(() => c.GetTensorAsync(MakeTensor(1, 2, 3), 0, new byte[4])));
    }

    [Fact]
    public async Task CopyTensorAsync_SendsBothTensors()
    {
        await RunAsync(Expect(RpcCommand.CopyTensor, 592, [1], p =>
        {
            Assert.Equal(1UL, RpcTensor.Read(p).Id);
            Assert.Equal(2UL, RpcTensor.Read(p.AsSpan(296)).Id);
        }), async c => Assert.True(await c.CopyTensorAsync(MakeTensor(1, 5, 6), MakeTensor(2, 5, 7))));
    }

    [Fact]
    public async Task GraphComputeAsync_LaysOutNodesAndTensors()
    {
        RpcTensor a = MakeTensor(0x100, 1, 2);
        RpcTensor b = MakeTensor(0x200, 1, 3);
        b.Src[0] = 0x100;
        await RunAsync(async s =>
        {
            await Expect(RpcCommand.GraphCompute, 12 + 8 + 2 * 296, null, p =>
            {
                Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(p));
                Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(4)));
                Assert.Equal(0x200UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(8)));
                Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(16)));
                Assert.Equal(0x100UL, RpcTensor.Read(p.AsSpan(20)).Id);
                Assert.Equal(0x100UL, RpcTensor.Read(p.AsSpan(20 + 296)).Src[0]);
            })(s);
            await Expect(RpcCommand.GraphRecompute, 4, null, p => Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(p)))(s);
            await Expect(RpcCommand.DeviceCount, 0, [1, 0, 0, 0])(s);
        }, async c =>
        {
            await c.GraphComputeAsync(2, [0x200UL], [a, b]);
            await c.GraphRecomputeAsync(2);
            Assert.Equal(1u, await c.DeviceCountAsync());
        });
    }

    [Fact]
    public async Task TensorCommands_InitAllocSizeMemset()
    {
        RpcTensor t = MakeTensor(1, 2, 3);
        RpcTensor src = MakeTensor(9, 2, 4);
        await RunAsync(async s =>
        {
            await Expect(RpcCommand.InitTensor, 296, [], p => Assert.Equal(1UL, RpcTensor.Read(p).Id))(s);
            await Expect(RpcCommand.GetAllocSize, 3260, U64(64), p =>
            {
                Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(p));
                Assert.Equal(1UL, RpcTensor.Read(p.AsSpan(4)).Id);
                Assert.Equal(9UL, RpcTensor.Read(p.AsSpan(300)).Id);
                Assert.True(RpcTensor.Read(p.AsSpan(596)).IsNull);
            })(s);
            await Expect(RpcCommand.MemsetTensor, 313, [], p =>
            {
                Assert.Equal(4UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(296)));
                Assert.Equal(8UL, BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(304)));
                Assert.Equal(0x7F, p[312]);
            })(s);
        }, async c =>
        {
            await c.InitTensorAsync(t);
            Assert.Equal(64UL, await c.GetAllocSizeAsync(4, t, [src]));
            await c.MemsetTensorAsync(t, 4, 8, 0x7F);
        });
    }

    [Fact]
    public async Task SendAsync_RawCommandReturnsReplyOrNull()
    {
        byte[] big = new byte[200_000];
        big[^1] = 1;
        await RunAsync(async s =>
        {
            await Expect((RpcCommand)99, 3, [4, 5])(s);
            await Expect(RpcCommand.SetTensor, big.Length, null)(s);
            await Expect(RpcCommand.FreeBuffer, 8, [])(s);
        }, async c =>
        {
            Assert.Equal(new byte[] { 4, 5 }, await c.SendAsync(99, new byte[] { 1, 2, 3 }, expectResponse: true));
            Assert.Null(await c.SendAsync(RpcCommand.SetTensor, big, expectResponse: false));
            Assert.Empty((await c.SendAsync(RpcCommand.FreeBuffer, new byte[8], expectResponse: true))!);
        });
    }

    [Fact]
    public async Task SendAsync_ReplyOverLimit_Throws()
    {
        await RunAsync(async s =>
        {
            await s.ReadRequestAsync();
            await s.WriteRawAsync(BitConverter.GetBytes(1000UL));
        }, async c =>
        {
            c.MaxResponseSize = 999;
            await Assert.ThrowsAsync<RpcProtocolException>(() => c.SendAsync(RpcCommand.GetTensor, new byte[312], true));
            Assert.True(c.IsFaulted);
        });
    }

    [Fact]
    public async Task ServerClosesConnection_ThrowsConnectionClosed()
    {
        await RunAsync(async s =>
        {
            await s.ReadRequestAsync();
            s.Close();
        }, async c =>
        {
            await Assert.ThrowsAsync<RpcConnectionClosedException>(() => c.DeviceCountAsync());
            Assert.True(c.IsFaulted);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => c.DeviceCountAsync());
        });
    }

    [Fact]
    public async Task TruncatedReply_ThrowsConnectionClosed()
    {
        await RunAsync(async s =>
        {
            await s.ReadRequestAsync();
            await s.WriteRawAsync([8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
            s.Close();
        }, async c => await Assert.ThrowsAsync<RpcConnectionClosedException>(() => c.GetAlignmentAsync(0)));
    }

    [Fact]
    public async Task ConcurrentCalls_SecondThrows()
    {
        var release = new TaskCompletionSource();
        await RunAsync(async s =>
        {
            await s.ReadRequestAsync();
            await release.Task;
            await s.ReplyAsync([1, 0, 0, 0]);
        }, async c =>
        {
            Task<uint> first = c.DeviceCountAsync();
            Assert.Throws<InvalidOperationException>(() => { _ = c.DeviceCountAsync(); });
            release.SetResult();
            Assert.Equal(1u, await first);
        });
    }
}
