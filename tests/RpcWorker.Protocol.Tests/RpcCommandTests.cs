namespace RpcWorker.Protocol.Tests;

public class RpcCommandTests
{
    [Fact]
    public void Hello_IsAlways14() => Assert.Equal(14, (int)RpcCommand.Hello);

    [Fact]
    public void Commands_MatchProtocol510Ids()
    {
        Assert.Equal(18, Enum.GetValues<RpcCommand>().Length);
        Assert.Equal(0, (int)RpcCommand.AllocBuffer);
        Assert.Equal(6, (int)RpcCommand.SetTensor);
        Assert.Equal(10, (int)RpcCommand.GraphCompute);
        Assert.Equal(16, (int)RpcCommand.GraphRecompute);
        Assert.Equal(17, (int)RpcCommand.MemsetTensor);
    }
}
