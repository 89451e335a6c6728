namespace RpcWorker.Protocol;

/// <summary>A fixed-size request or response payload: its exact size on the wire, how to read it and how to write it.</summary>
public interface IWireMessage<TSelf>
    where TSelf : struct, IWireMessage<TSelf>
{
    /// <summary>Payload bytes (the frame's size prefix must equal this exactly).</summary>
    static abstract int WireSize { get; }

    /// <summary>Reads the message from the first <see cref="WireSize"/> bytes of <paramref name="source"/>.</summary>
    static abstract TSelf Read(ReadOnlySpan<byte> source);

    /// <summary>Writes the message into the first <see cref="WireSize"/> bytes of <paramref name="destination"/>.</summary>
    void Write(Span<byte> destination);
}
