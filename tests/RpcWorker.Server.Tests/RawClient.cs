using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using RpcWorker.Protocol;
using RpcWorker.Protocol.Messages;

namespace RpcWorker.Server.Tests;

/// <summary>A deliberately dumb client that writes raw frames, so tests can send anything a hostile peer could.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint, bool hello = true)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint).WaitAsync(s_timeout);
        var client = new RawClient(tcp);
        if (hello)
        {
            byte[] reply = await client.RequestAsync(RpcCommand.Hello, new byte[24]);
            Assert.Equal(new byte[] { 5, 1, 0, 0 }, reply[..4]);
        }
        return client;
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes).AsTask().WaitAsync(s_timeout);

    public Task SendAsync(RpcCommand command, ReadOnlySpan<byte> payload) => SendAsync((byte)command, (ulong)payload.Length, payload);

    public Task SendAsync(byte command, ulong declaredSize, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = command;
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(1), declaredSize);
        payload.CopyTo(frame.AsSpan(9));
        return SendRawAsync(frame);
    }

    public async Task<byte[]> ReadResponseAsync()
    {
        var header = new byte[8];
        await _stream.ReadExactlyAsync(header).AsTask().WaitAsync(s_timeout);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header);
        var payload = new byte[checked((int)size)];
        await _stream.ReadExactlyAsync(payload).AsTask().WaitAsync(s_timeout);
        return payload;
    }

    public async Task<byte[]> RequestAsync(RpcCommand command, byte[] payload)
    {
        await SendAsync(command, payload);
        return await ReadResponseAsync();
    }

    public Task<byte[]> RequestAsync<T>(RpcCommand command, T message)
        where T : struct, IWireMessage<T> => RequestAsync(command, Bytes(message));

    public Task SendAsync<T>(RpcCommand command, T message)
        where T : struct, IWireMessage<T> => SendAsync(command, Bytes(message));

    /// <summary>A whole request frame: command byte, u64 payload size, payload.</summary>
    public static byte[] Frame(RpcCommand command, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)command;
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(1), (ulong)payload.Length);
        payload.CopyTo(frame, 9);
        return frame;
    }

    public static byte[] Bytes<T>(T message)
        where T : struct, IWireMessage<T>
    {
        var bytes = new byte[T.WireSize];
        message.Write(bytes);
        return bytes;
    }

    /// <summary>True when the server closed the connection (EOF or reset) before sending anything more.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        var one = new byte[1];
        try
        {
            int n = await _stream.ReadAsync(one).AsTask().WaitAsync(s_timeout);
            return n == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async Task AssertClosedAsync() => Assert.True(await IsClosedByServerAsync(), "the server should have closed the session");

    public async Task<(ulong Handle, ulong Size)> AllocAsync(ulong size)
    {
        AllocBuffer.Response r = AllocBuffer.Response.Read(await RequestAsync(RpcCommand.AllocBuffer, new AllocBuffer.Request(0, size)));
        return (r.RemotePtr, r.RemoteSize);
    }

    public async Task<ulong> GetBaseAsync(ulong handle) =>
        U64Response.Read(await RequestAsync(RpcCommand.BufferGetBase, new BufferRequest(handle))).Value;

    /// <summary>Allocates a buffer and returns its handle and base.</summary>
    public async Task<(ulong Handle, ulong Base)> AllocWithBaseAsync(ulong size)
    {
        (ulong handle, _) = await AllocAsync(size);
        Assert.NotEqual(0UL, handle);
        return (handle, await GetBaseAsync(handle));
    }

    public Task SetTensorAsync(RpcTensor tensor, ulong offset, ReadOnlySpan<byte> data)
    {
        var payload = new byte[SetTensor.Header.WireSize + data.Length];
        new SetTensor.Header(tensor, offset).Write(payload);
        data.CopyTo(payload.AsSpan(SetTensor.Header.WireSize));
        return SendAsync(RpcCommand.SetTensor, payload);
    }

    public Task<byte[]> GetTensorAsync(RpcTensor tensor, ulong offset, ulong size) =>
        RequestAsync(RpcCommand.GetTensor, new GetTensor.Request(tensor, offset, size));

    /// <summary>A round trip that proves the session is still being served.</summary>
    public async Task AssertAliveAsync()
    {
        byte[] reply = await RequestAsync(RpcCommand.DeviceCount, []);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(reply));
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
