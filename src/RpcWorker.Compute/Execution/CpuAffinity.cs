using System.Numerics;
using System.Runtime.InteropServices;

namespace RpcWorker.Compute.Execution;

/// <summary>
/// Linux thread affinity (<c>sched_getaffinity</c>/<c>sched_setaffinity</c> on the calling thread) over the first 1024
/// CPUs. Elsewhere, or when a call fails, every method reports failure and changes nothing.
/// </summary>
internal static unsafe partial class CpuAffinity
{
    private const int MaskWords = 16;

    /// <summary>A CPU set of up to 1024 CPUs, one bit each.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Mask
    {
        private fixed ulong _bits[MaskWords];

        public readonly int Count
        {
            get
            {
                int n = 0;
                for (int i = 0; i < MaskWords; i++)
                {
                    n += BitOperations.PopCount(_bits[i]);
                }
                return n;
            }
        }

        /// <summary>The <paramref name="index"/>-th CPU of the set (in CPU order), or −1.</summary>
        public readonly int Nth(int index)
        {
            for (int w = 0; w < MaskWords; w++)
            {
                ulong bits = _bits[w];
                while (bits != 0)
                {
                    int bit = BitOperations.TrailingZeroCount(bits);
                    if (index-- == 0)
                    {
                        return (w * 64) + bit;
                    }
                    bits &= bits - 1;
                }
            }
            return -1;
        }

        public static Mask Single(int cpu)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cpu);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, MaskWords * 64);
            Mask m = default;
            m._bits[cpu / 64] = 1UL << (cpu % 64);
            return m;
        }
    }

    /// <summary>The calling thread's allowed CPUs.</summary>
    public static bool TryGet(out Mask mask)
    {
        mask = default;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        fixed (Mask* p = &mask)
        {
            return SchedGetAffinity(0, (nuint)sizeof(Mask), p) == 0;
        }
    }

    /// <summary>Restricts the calling thread to <paramref name="mask"/>.</summary>
    public static bool TrySet(in Mask mask)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        fixed (Mask* p = &mask)
        {
            return SchedSetAffinity(0, (nuint)sizeof(Mask), p) == 0;
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static partial int SchedGetAffinity(int pid, nuint size, Mask* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static partial int SchedSetAffinity(int pid, nuint size, Mask* mask);
}
