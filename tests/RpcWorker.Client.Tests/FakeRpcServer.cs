using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RpcWorker.Client.Tests;

/// <summary>A one-connection loopback server whose behaviour is a script: read framed requests, write raw replies.</summary>
internal sealed class FakeRpcServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _run;
    private Socket? _peer;

    public FakeRpcServer(Func<FakeRpcServer, Task> script)
    {
        _listener.Start();
        _run = RunAsync(script);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Completes when the script has finished (rethrows its failure).</summary>
    public Task Completion => _run;

    public async Task<(byte Command, byte[] Payload)> ReadRequestAsync()
    {
        byte[] header = await ReadExactAsync(9);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(1));
        return (header[0], await ReadExactAsync(checked((int)size)));
    }

    /// <summary>Writes a reply: u64 size then the payload.</summary>
    public Task ReplyAsync(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(frame, (ulong)payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return WriteRawAsync(frame);
    }

    public async Task WriteRawAsync(byte[] bytes)
    {
        await _peer!.SendAsync(bytes, SocketFlags.None);
    }

    public void Close() => _peer?.Dispose();

    public async ValueTask DisposeAsync()
    {
        _peer?.Dispose();
        _listener.Stop();
        try
        {
            await _run;
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RunAsync(Func<FakeRpcServer, Task> script)
    {
        _peer = await _listener.AcceptSocketAsync();
        await script(this);
    }

    private async Task<byte[]> ReadExactAsync(int count)
    {
        var buffer = new byte[count];
        int done = 0;
        while (done < count)
        {
            int read = await _peer!.ReceiveAsync(buffer.AsMemory(done), SocketFlags.None);
            if (read == 0)
            {
                throw new EndOfStreamException("client closed the connection");
            }
            done += read;
        }
        return buffer;
    }
}
