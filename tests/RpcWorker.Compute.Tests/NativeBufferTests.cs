namespace RpcWorker.Compute.Tests;

public unsafe class NativeBufferTests
{
    [Theory]
    [InlineData(1UL, NativeBuffer.Alignment)]
    [InlineData((ulong)NativeBuffer.HugePageSize - 1, NativeBuffer.Alignment)]
    [InlineData((ulong)NativeBuffer.HugePageSize, NativeBuffer.HugePageSize)]
    [InlineData((3UL * NativeBuffer.HugePageSize) + 4097, NativeBuffer.HugePageSize)]
    public void TryAllocate_AlignsLargeBuffersToHugePages_AndEveryByteIsUsable(ulong size, int alignment)
    {
        var budget = new MemoryBudget(64UL << 20);
        using NativeBuffer buffer = NativeBuffer.TryAllocate(budget, size)!;
        Assert.Equal(0, (long)buffer.Pointer % alignment);
        Assert.Equal(size, budget.Held);
        buffer.Fill(0x5A);
        Assert.Equal(0x5A, buffer.Pointer[0]);
        Assert.Equal(0x5A, buffer.Pointer[size - 1]);
    }

    [Fact]
    public void TryAllocate_BeyondTheBudget_ReturnsNullAndReservesNothing()
    {
        var budget = new MemoryBudget(NativeBuffer.HugePageSize);
        Assert.Null(NativeBuffer.TryAllocate(budget, NativeBuffer.HugePageSize + 1UL));
        Assert.Equal(0UL, budget.Held);
    }

    [Fact]
    public void Dispose_ReleasesTheBudget()
    {
        var budget = new MemoryBudget(64UL << 20);
        NativeBuffer buffer = NativeBuffer.TryAllocate(budget, 5UL << 20)!;
        buffer.Dispose();
        Assert.Equal(0UL, budget.Held);
        Assert.True(buffer.Pointer == null);
    }
}
