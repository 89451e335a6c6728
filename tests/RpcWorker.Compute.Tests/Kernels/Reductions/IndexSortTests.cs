using RpcWorker.Compute.Kernels.Reductions;

namespace RpcWorker.Compute.Tests.Kernels.Reductions;

public unsafe class IndexSortTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sort_UniqueKeys_GivesTheOnlyOrder(bool descending)
    {
        var rng = new Random(3);
        foreach (int n in new[] { 1, 2, 3, 15, 16, 17, 33, 100, 1000, 4097 })
        {
            float[] keys = Shuffled(rng, n);
            int[] idx = Run(keys, descending);
            int[] expected = Enumerable.Range(0, n).OrderBy(i => descending ? -keys[i] : keys[i]).ToArray();
            Assert.Equal(expected, idx);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sort_TiesUpToSixteen_KeepIndexOrder(bool descending)
    {
        // libstdc++ sorts up to 16 elements by insertion sort alone, which is stable.
        var rng = new Random(5);
        for (int n = 1; n <= 16; n++)
        {
            var keys = new float[n];
            for (int i = 0; i < n; i++)
            {
                keys[i] = rng.Next(3);
            }
            int[] idx = Run(keys, descending);
            int[] expected = Enumerable.Range(0, n).OrderBy(i => descending ? -keys[i] : keys[i]).ThenBy(i => i).ToArray();
            Assert.Equal(expected, idx);
        }
    }

    [Fact]
    public void Sort_ManyTies_IsOrderedPermutation()
    {
        var rng = new Random(11);
        foreach (int n in new[] { 17, 64, 1000, 5000 })
        {
            var keys = new float[n];
            for (int i = 0; i < n; i++)
            {
                keys[i] = rng.Next(7);
            }
            int[] idx = Run(keys, false);
            Assert.Equal(Enumerable.Range(0, n), idx.Order());
            for (int i = 1; i < n; i++)
            {
                Assert.True(keys[idx[i - 1]] <= keys[idx[i]]);
            }
        }
    }

    [Fact]
    public void Sort_NaNKeys_StayInsideTheRow()
    {
        var rng = new Random(13);
        foreach (int n in new[] { 5, 17, 100, 3000 })
        {
            float[] keys = Shuffled(rng, n);
            for (int i = 0; i < n; i += 3)
            {
                keys[i] = float.NaN;
            }
            Assert.Equal(Enumerable.Range(0, n), Run(keys, false).Order());
            Assert.Equal(Enumerable.Range(0, n), Run(keys, true).Order());
            int[] top = RunPartial(keys, n / 2);
            Assert.Equal(n / 2, top.Distinct().Count());
        }
    }

    [Fact]
    public void PartialSort_UniqueKeys_GivesTopKDescending()
    {
        var rng = new Random(17);
        foreach ((int n, int k) in new[] { (1, 1), (10, 1), (10, 10), (100, 7), (2049, 40) })
        {
            float[] keys = Shuffled(rng, n);
            int[] expected = Enumerable.Range(0, n).OrderByDescending(i => keys[i]).Take(k).ToArray();
            Assert.Equal(expected, RunPartial(keys, k));
        }
    }

    [Fact]
    public void PartialSort_Ties_FollowHeapOrder()
    {
        // Worked through libstdc++'s __heap_select/__sort_heap by hand, comp = greater. Keys {1, 1, 2, 2}, k = 2:
        // make_heap([0, 1]) gives [1, 0]; 2 then 3 beat the top and enter ([0, 2], then [2, 3]); sort_heap yields 3, 2.
        Assert.Equal([3, 2], RunPartial([1f, 1f, 2f, 2f], 2));
        // All equal, k = 3: make_heap gives [2, 1, 0], nothing beats the top, sort_heap gives [0, 1, 2].
        Assert.Equal([0, 1, 2], RunPartial([5f, 5f, 5f, 5f, 5f], 3));
    }

    private static float[] Shuffled(Random rng, int n)
    {
        float[] keys = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        rng.Shuffle(keys);
        return keys;
    }

    private static int[] Run(float[] keys, bool descending)
    {
        int[] idx = Enumerable.Range(0, keys.Length).ToArray();
        fixed (int* pi = idx)
        fixed (float* pk = keys)
        {
            IndexSort.Sort(pi, idx.Length, pk, descending);
        }
        return idx;
    }

    private static int[] RunPartial(float[] keys, int k)
    {
        int[] idx = Enumerable.Range(0, keys.Length).ToArray();
        fixed (int* pi = idx)
        fixed (float* pk = keys)
        {
            IndexSort.PartialSortDescending(pi, k, idx.Length, pk);
        }
        return idx[..k];
    }
}
