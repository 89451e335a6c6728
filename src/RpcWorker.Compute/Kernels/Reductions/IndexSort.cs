using System.Runtime.CompilerServices;

namespace RpcWorker.Compute.Kernels.Reductions;

/// <summary>
/// Sorts row indices by their float keys with the exact algorithms ggml-cpu gets from libstdc++: <c>std::sort</c>
/// (introsort: median-of-three quicksort down to 16-element runs, heapsort past 2·log2(n) levels, then a final insertion
/// sort) for ARGSORT and <c>std::partial_sort</c> (heap select + heap sort) for TOP_K. Equal keys therefore end up in the
/// same order as in ggml. The comparisons are strict (<c>&lt;</c> / <c>&gt;</c>), so NaN keys break the strict weak
/// ordering these algorithms assume; every scan that libstdc++ leaves unguarded is bounded here, which changes nothing for
/// NaN-free keys and keeps NaN keys from walking past the row.
/// </summary>
internal static unsafe class IndexSort
{
    private const int Threshold = 16;

    /// <summary><c>std::sort(idx, idx + n, cmp)</c> with cmp(a, b) = key[a] &lt; key[b] (or &gt; when descending).</summary>
    public static void Sort(int* idx, int n, float* key, bool descending)
    {
        if (descending)
        {
            Sort<Descending>(idx, n, key);
        }
        else
        {
            Sort<Ascending>(idx, n, key);
        }
    }

    /// <summary><c>std::partial_sort(idx, idx + middle, idx + n, cmp)</c> with cmp(a, b) = key[a] &gt; key[b].</summary>
    public static void PartialSortDescending(int* idx, int middle, int n, float* key)
    {
        HeapSelect<Descending>(idx, middle, n, key);
        SortHeap<Descending>(idx, middle, key);
    }

    private static void Sort<TOrder>(int* idx, int n, float* key)
        where TOrder : struct, IOrder
    {
        if (n <= 1)
        {
            return;
        }
        IntroSortLoop<TOrder>(idx, 0, n, 2 * Log2(n), key);
        FinalInsertionSort<TOrder>(idx, n, key);
    }

    private static int Log2(int n) => 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);

    private static void IntroSortLoop<TOrder>(int* idx, int first, int last, int depth, float* key)
        where TOrder : struct, IOrder
    {
        while (last - first > Threshold)
        {
            if (depth == 0)
            {
                HeapSelect<TOrder>(idx + first, last - first, last - first, key);
                SortHeap<TOrder>(idx + first, last - first, key);
                return;
            }
            depth--;
            int cut = PartitionPivot<TOrder>(idx, first, last, key);
            IntroSortLoop<TOrder>(idx, cut, last, depth, key);
            last = cut;
        }
    }

    private static int PartitionPivot<TOrder>(int* idx, int first, int last, float* key)
        where TOrder : struct, IOrder
    {
        int mid = first + (last - first) / 2;
        MoveMedianToFirst<TOrder>(idx, first, first + 1, mid, last - 1, key);
        return Partition<TOrder>(idx, first + 1, last, first, key);
    }

    private static void MoveMedianToFirst<TOrder>(int* idx, int result, int a, int b, int c, float* key)
        where TOrder : struct, IOrder
    {
        int pick;
        if (Less<TOrder>(idx[a], idx[b], key))
        {
            pick = Less<TOrder>(idx[b], idx[c], key) ? b : Less<TOrder>(idx[a], idx[c], key) ? c : a;
        }
        else
        {
            pick = Less<TOrder>(idx[a], idx[c], key) ? a : Less<TOrder>(idx[b], idx[c], key) ? c : b;
        }
        (idx[result], idx[pick]) = (idx[pick], idx[result]);
    }

    /// <summary><c>__unguarded_partition</c>: the pivot stays at <paramref name="pivot"/>; returns the cut.</summary>
    private static int Partition<TOrder>(int* idx, int first, int last, int pivot, float* key)
        where TOrder : struct, IOrder
    {
        int p = idx[pivot];
        int end = last;
        while (true)
        {
            while (first < end - 1 && Less<TOrder>(idx[first], p, key))
            {
                first++;
            }
            last--;
            while (last > pivot && Less<TOrder>(p, idx[last], key))
            {
                last--;
            }
            if (!(first < last))
            {
                return first;
            }
            (idx[first], idx[last]) = (idx[last], idx[first]);
            first++;
        }
    }

    private static void FinalInsertionSort<TOrder>(int* idx, int n, float* key)
        where TOrder : struct, IOrder
    {
        if (n > Threshold)
        {
            InsertionSort<TOrder>(idx, Threshold, key);
            for (int i = Threshold; i < n; i++)
            {
                LinearInsert<TOrder>(idx, i, key);
            }
        }
        else
        {
            InsertionSort<TOrder>(idx, n, key);
        }
    }

    private static void InsertionSort<TOrder>(int* idx, int n, float* key)
        where TOrder : struct, IOrder
    {
        for (int i = 1; i < n; i++)
        {
            int val = idx[i];
            if (Less<TOrder>(val, idx[0], key))
            {
                for (int j = i; j > 0; j--)
                {
                    idx[j] = idx[j - 1];
                }
                idx[0] = val;
            }
            else
            {
                LinearInsert<TOrder>(idx, i, key);
            }
        }
    }

    /// <summary><c>__unguarded_linear_insert</c>, bounded at the row start.</summary>
    private static void LinearInsert<TOrder>(int* idx, int last, float* key)
        where TOrder : struct, IOrder
    {
        int val = idx[last];
        int next = last - 1;
        while (next >= 0 && Less<TOrder>(val, idx[next], key))
        {
            idx[last] = idx[next];
            last = next;
            next--;
        }
        idx[last] = val;
    }

    /// <summary><c>__heap_select(first, first + middle, first + n)</c>.</summary>
    private static void HeapSelect<TOrder>(int* idx, int middle, int n, float* key)
        where TOrder : struct, IOrder
    {
        MakeHeap<TOrder>(idx, middle, key);
        for (int i = middle; i < n; i++)
        {
            if (Less<TOrder>(idx[i], idx[0], key))
            {
                int value = idx[i];
                idx[i] = idx[0];
                AdjustHeap<TOrder>(idx, 0, middle, value, key);
            }
        }
    }

    private static void MakeHeap<TOrder>(int* idx, int len, float* key)
        where TOrder : struct, IOrder
    {
        if (len < 2)
        {
            return;
        }
        for (int parent = (len - 2) / 2; ; parent--)
        {
            AdjustHeap<TOrder>(idx, parent, len, idx[parent], key);
            if (parent == 0)
            {
                return;
            }
        }
    }

    private static void SortHeap<TOrder>(int* idx, int len, float* key)
        where TOrder : struct, IOrder
    {
        while (len > 1)
        {
            len--;
            int value = idx[len];
            idx[len] = idx[0];
            AdjustHeap<TOrder>(idx, 0, len, value, key);
        }
    }

    private static void AdjustHeap<TOrder>(int* idx, int hole, int len, int value, float* key)
        where TOrder : struct, IOrder
    {
        int top = hole;
        int child = hole;
        while (child < (len - 1) / 2)
        {
            child = 2 * (child + 1);
            if (Less<TOrder>(idx[child], idx[child - 1], key))
            {
                child--;
            }
            idx[hole] = idx[child];
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2)
        {
            child = 2 * (child + 1);
            idx[hole] = idx[child - 1];
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && Less<TOrder>(idx[parent], value, key))
        {
            idx[hole] = idx[parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }
        idx[hole] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less<TOrder>(int a, int b, float* key)
        where TOrder : struct, IOrder => TOrder.Less(key[a], key[b]);

    private interface IOrder
    {
        static abstract bool Less(float a, float b);
    }

    private readonly struct Ascending : IOrder
    {
        public static bool Less(float a, float b) => a < b;
    }

    private readonly struct Descending : IOrder
    {
        public static bool Less(float a, float b) => a > b;
    }
}
