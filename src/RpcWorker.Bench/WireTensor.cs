using RpcWorker.Compute;

namespace RpcWorker.Bench;

/// <summary>A tensor of a graph being built for the wire: its client id, layout, op and byte offset in the remote arena.</summary>
internal sealed class WireTensor
{
    public required ulong Id { get; init; }

    public required GgmlType Type { get; init; }

    public required long[] Ne { get; init; }

    public required long[] Nb { get; init; }

    /// <summary>Byte offset of element 0 from the start of the arena buffer.</summary>
    public required long Offset { get; init; }

    public GgmlOp Op { get; init; }

    public int[] Params { get; } = new int[16];

    public WireTensor?[] Src { get; } = new WireTensor?[10];

    public WireTensor? ViewSrc { get; init; }

    public string Name { get; init; } = string.Empty;

    public long NElements => Ne[0] * Ne[1] * Ne[2] * Ne[3];

    public long NBytes => TensorLayout.NBytes(Type, ToDims(Ne), ToDims(Nb));

    private static Dims4 ToDims(long[] values)
    {
        Dims4 d = default;
        for (int i = 0; i < 4; i++)
        {
            d[i] = values[i];
        }
        return d;
    }
}
