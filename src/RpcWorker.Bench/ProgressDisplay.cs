namespace RpcWorker.Bench;

/// <summary>A one-line progress indicator on stderr (silent when stderr is not a terminal).</summary>
internal sealed class ProgressDisplay
{
    private readonly bool _enabled = !Console.IsErrorRedirected;
    private int _lastLength;

    public void Show(string section, string step)
    {
        if (!_enabled)
        {
            return;
        }
        string line = $"[{section}] {step}";
        Console.Error.Write('\r' + line.PadRight(_lastLength));
        _lastLength = line.Length;
    }

    public void Clear()
    {
        if (_enabled && _lastLength > 0)
        {
            Console.Error.Write('\r' + new string(' ', _lastLength) + '\r');
            _lastLength = 0;
        }
    }
}
