namespace RpcWorker.Protocol.Tests;

public class Fnv1a64Tests
{
    [Theory]
    [InlineData("", 0xcbf29ce484222325UL)]
    [InlineData("a", 0xaf63dc4c8601ec8cUL)]
    [InlineData("foobar", 0x85944171f73967e8UL)]
    public void Hash_KnownVectors(string text, ulong expected) =>
        Assert.Equal(expected, Fnv1a64.Hash(System.Text.Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Append_InPieces_EqualsOneShot()
    {
        byte[] data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        var fnv = new Fnv1a64();
        fnv.Append(data.AsSpan(0, 7));
        fnv.Append(data.AsSpan(7, 500));
        fnv.Append(data.AsSpan(507));
        Assert.Equal(Fnv1a64.Hash(data), fnv.Value);
    }
}
