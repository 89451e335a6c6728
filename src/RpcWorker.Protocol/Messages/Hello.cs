using System.Runtime.CompilerServices;

namespace RpcWorker.Protocol.Messages;

/// <summary>HELLO (14): must be the first command of a connection; the reply carries the server version and its conn_caps.</summary>
public static class Hello
{
    /// <summary>0: u8 conn_caps[24].</summary>
    public readonly record struct Request(ConnCaps Caps) : IWireMessage<Request>
    {
        public static int WireSize => ProtocolLimits.ConnCapsSize;

        public static Request Read(ReadOnlySpan<byte> source)
        {
            ConnCaps caps = default;
            source[..ProtocolLimits.ConnCapsSize].CopyTo(caps);
            return new Request(caps);
        }

        public void Write(Span<byte> destination)
        {
            ConnCaps caps = Caps;
            ((ReadOnlySpan<byte>)caps).CopyTo(destination);
        }
    }

    /// <summary>0: u8 major; 1: u8 minor; 2: u8 patch; 3: u8 0; 4: u8 conn_caps[24] (all zero: TCP only).</summary>
    public readonly record struct Response(ProtocolVersion Version, ConnCaps Caps) : IWireMessage<Response>
    {
        public static int WireSize => 4 + ProtocolLimits.ConnCapsSize;

        public static Response Read(ReadOnlySpan<byte> source)
        {
            ConnCaps caps = default;
            source[4..WireSize].CopyTo(caps);
            return new Response(new ProtocolVersion(source[0], source[1], source[2]), caps);
        }

        public void Write(Span<byte> destination)
        {
            destination[0] = Version.Major;
            destination[1] = Version.Minor;
            destination[2] = Version.Patch;
            destination[3] = 0;
            ConnCaps caps = Caps;
            ((ReadOnlySpan<byte>)caps).CopyTo(destination[4..]);
        }
    }

    /// <summary>The 24 capability bytes (RDMA queue pair details when non-zero).</summary>
    [InlineArray(ProtocolLimits.ConnCapsSize)]
    public struct ConnCaps
    {
        private byte _element0;
    }
}
