using RpcWorker.Compute.Formats.IQuants;

namespace RpcWorker.Compute.Formats;

public static partial class RowFormats
{
    static partial void RegisterIQuants()
    {
        Register(new Iq2XxsFormat());
        Register(new Iq2XsFormat());
        Register(new Iq2SFormat());
        Register(new Iq3XxsFormat());
        Register(new Iq3SFormat());
        Register(new Iq1SFormat());
        Register(new Iq1MFormat());
        Register(new Iq4NlFormat());
        Register(new Iq4XsFormat());
    }
}
