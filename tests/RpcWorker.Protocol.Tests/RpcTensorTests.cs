using System.Runtime.CompilerServices;

namespace RpcWorker.Protocol.Tests;

public class RpcTensorTests
{
    [Fact]
    public void Size_Is296Bytes() => Assert.Equal(296, Unsafe.SizeOf<RpcTensor>());

    [Fact]
    public void Read_PlacesFieldsAtWireOffsets()
    {
        var bytes = new byte[RpcTensor.Size];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), 0x1122334455667788UL);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 30u);
        BitConverter.TryWriteBytes(bytes.AsSpan(12), 0xAAUL);
        BitConverter.TryWriteBytes(bytes.AsSpan(20 + 12), 7u);
        BitConverter.TryWriteBytes(bytes.AsSpan(36 + 4), 1024u);
        BitConverter.TryWriteBytes(bytes.AsSpan(52), 29u);
        BitConverter.TryWriteBytes(bytes.AsSpan(56 + 60), -5);
        BitConverter.TryWriteBytes(bytes.AsSpan(120), 3);
        BitConverter.TryWriteBytes(bytes.AsSpan(124 + 72), 99UL);
        BitConverter.TryWriteBytes(bytes.AsSpan(204), 5UL);
        BitConverter.TryWriteBytes(bytes.AsSpan(212), 64UL);
        BitConverter.TryWriteBytes(bytes.AsSpan(220), 0x1000UL);
        "node_7"u8.CopyTo(bytes.AsSpan(228));
        BitConverter.TryWriteBytes(bytes.AsSpan(292), 2);

        RpcTensor t = RpcTensor.Read(bytes);

        Assert.Equal(0x1122334455667788UL, t.Id);
        Assert.Equal(30u, t.Type);
        Assert.Equal(0xAAUL, t.Buffer);
        Assert.Equal(7u, t.Ne[3]);
        Assert.Equal(1024u, t.Nb[1]);
        Assert.Equal(29u, t.Op);
        Assert.Equal(-5, t.OpParams[15]);
        Assert.Equal(3, t.Flags);
        Assert.Equal(99UL, t.Src[9]);
        Assert.Equal(5UL, t.ViewSrc);
        Assert.Equal(64UL, t.ViewOffs);
        Assert.Equal(0x1000UL, t.Data);
        Assert.Equal("node_7", t.GetName());
        Assert.Equal(2, t.UseCount);

        var back = new byte[RpcTensor.Size];
        t.Write(back);
        Assert.Equal(bytes, back);
    }

    [Fact]
    public void IsNull_TrueOnlyForAllZeroBytes()
    {
        Assert.True(RpcTensor.Read(new byte[RpcTensor.Size]).IsNull);
        var bytes = new byte[RpcTensor.Size];
        bytes[295] = 1;
        Assert.False(RpcTensor.Read(bytes).IsNull);
    }

    [Theory]
    [InlineData("blk.3.attn_q.weight", "blk.3.attn_q.weight", true)]
    [InlineData("blk.3.attn_q.weight", "blk.3.attn_k.weight", false)]
    [InlineData("blk.3", "blk.3.attn_q", false)]
    [InlineData("blk.3.attn_q", "blk.3", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("café", "café", false)]
    public void NameEquals_MatchesGetNameForAsciiAndDefersOtherNames(string wire, string candidate, bool expected)
    {
        var t = new RpcTensor();
        System.Text.Encoding.UTF8.GetBytes(wire, t.Name);
        Assert.Equal(expected, t.NameEquals(candidate));
        if (expected)
        {
            Assert.Equal(candidate, t.GetName());
        }
    }

    [Fact]
    public void NameEquals_FullSixtyFourByteNameWithoutTerminator()
    {
        var t = new RpcTensor();
        string name = new('n', RpcTensor.MaxName);
        System.Text.Encoding.ASCII.GetBytes(name, t.Name);
        Assert.True(t.NameEquals(name));
        Assert.False(t.NameEquals(name[..^1]));
    }
}
