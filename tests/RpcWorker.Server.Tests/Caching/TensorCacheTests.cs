using System.Globalization;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests.Caching;

public sealed class TensorCacheTests : IDisposable
{
    private const int Size = (10 << 20) + 4096;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rpcworker-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static byte[] Data(int seed) => Enumerable.Range(0, Size).Select(i => (byte)(i * 31 + seed + (i >> 12))).ToArray();

    private string FileOf(byte[] data) => Path.Combine(_dir, Fnv1a64.Hash(data).ToString("x16", CultureInfo.InvariantCulture));

    private static async Task<byte> HashRequestAsync(RawClient client, RpcTensor tensor, ulong hash) =>
        (await client.RequestAsync(RpcCommand.SetTensorHash, new SetTensorHash.Request(tensor, 0, hash)))[0];

    [Fact]
    public async Task WithoutCache_HashIsAlwaysAMiss()
    {
        await using RpcServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(Size);
        RpcTensor tensor = Tensors.Bytes(h, b, Size);
        byte[] data = Data(1);
        await client.SetTensorAsync(tensor, 0, data);
        Assert.Equal(0, await HashRequestAsync(client, tensor, Fnv1a64.Hash(data)));
    }

    [Fact]
    public async Task LargeUpload_IsCachedAndLoadsInANewSession()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.CacheDirectory = _dir);
        byte[] data = Data(2);
        await using (RawClient first = await RawClient.ConnectAsync(server.LocalEndPoint))
        {
            (ulong h, ulong b) = await first.AllocWithBaseAsync(Size);
            RpcTensor tensor = Tensors.Bytes(h, b, Size);
            Assert.Equal(0, await HashRequestAsync(first, tensor, Fnv1a64.Hash(data)));
            await first.SetTensorAsync(tensor, 0, data);
            await first.AssertAliveAsync();
        }
        Assert.True(File.Exists(FileOf(data)));
        Assert.Equal(Size, new FileInfo(FileOf(data)).Length);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        await using RawClient second = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h2, ulong b2) = await second.AllocWithBaseAsync(Size);
        RpcTensor tensor2 = Tensors.Bytes(h2, b2, Size);
        Assert.Equal(1, await HashRequestAsync(second, tensor2, Fnv1a64.Hash(data)));
        byte[] back = await second.GetTensorAsync(tensor2, 0, Size);
        Assert.True(data.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task SmallUpload_IsNotCached()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.CacheDirectory = _dir);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(1 << 20);
        await client.SetTensorAsync(Tensors.Bytes(h, b, 1 << 20), 0, new byte[1 << 20]);
        await client.AssertAliveAsync();
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task CorruptOrTruncatedFile_IsAMiss()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.CacheDirectory = _dir);
        byte[] data = Data(3);
        Directory.CreateDirectory(_dir);
        byte[] corrupt = (byte[])data.Clone();
        corrupt[12345] ^= 0xFF;
        await File.WriteAllBytesAsync(FileOf(data), corrupt);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(Size);
        RpcTensor tensor = Tensors.Bytes(h, b, Size);
        Assert.Equal(0, await HashRequestAsync(client, tensor, Fnv1a64.Hash(data)));

        await File.WriteAllBytesAsync(FileOf(data), data.AsSpan(0, Size / 2).ToArray());
        Assert.Equal(0, await HashRequestAsync(client, tensor, Fnv1a64.Hash(data)));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task FileLongerThanTheBufferRange_IsAMiss()
    {
        await using RpcServer server = await TestServer.StartAsync(o => o.CacheDirectory = _dir);
        byte[] data = Data(4);
        Directory.CreateDirectory(_dir);
        await File.WriteAllBytesAsync(FileOf(data), data);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong b) = await client.AllocWithBaseAsync(Size - 1);
        Assert.Equal(0, await HashRequestAsync(client, Tensors.Bytes(h, b, Size - 1), Fnv1a64.Hash(data)));
        await client.AssertAliveAsync();
    }

    [Fact]
    public async Task SizeCap_EvictsLeastRecentlyUsed()
    {
        await using RpcServer server = await TestServer.StartAsync(o =>
        {
            o.CacheDirectory = _dir;
            o.CacheMaxMiB = 21;
        });
        byte[] a = Data(5);
        byte[] b = Data(6);
        byte[] c = Data(7);
        await using RawClient client = await RawClient.ConnectAsync(server.LocalEndPoint);
        (ulong h, ulong baseAddress) = await client.AllocWithBaseAsync(Size);
        RpcTensor tensor = Tensors.Bytes(h, baseAddress, Size);
        await client.SetTensorAsync(tensor, 0, a);
        await client.AssertAliveAsync();
        File.SetLastWriteTimeUtc(FileOf(a), DateTime.UtcNow.AddMinutes(-10));
        await client.SetTensorAsync(tensor, 0, b);
        await client.AssertAliveAsync();
        File.SetLastWriteTimeUtc(FileOf(b), DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal(1, await HashRequestAsync(client, tensor, Fnv1a64.Hash(a)));
        await client.SetTensorAsync(tensor, 0, c);
        await client.AssertAliveAsync();

        Assert.True(File.Exists(FileOf(a)));
        Assert.False(File.Exists(FileOf(b)));
        Assert.True(File.Exists(FileOf(c)));
    }
}
