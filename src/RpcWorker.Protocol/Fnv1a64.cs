namespace RpcWorker.Protocol;

/// <summary>The FNV-1a 64-bit hash SET_TENSOR_HASH uses to name cached tensor data (XOR each byte, then multiply).</summary>
public struct Fnv1a64
{
    public const ulong OffsetBasis = 0xcbf29ce484222325UL;
    public const ulong Prime = 0x100000001b3UL;

    private ulong _hash;

    public Fnv1a64() => _hash = OffsetBasis;

    /// <summary>The hash of everything appended so far.</summary>
    public readonly ulong Value => _hash;

    /// <summary>Folds <paramref name="data"/> into the running hash.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        ulong hash = _hash;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * Prime;
        }
        _hash = hash;
    }

    /// <summary>The hash of <paramref name="data"/>.</summary>
    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        var fnv = new Fnv1a64();
        fnv.Append(data);
        return fnv.Value;
    }
}
