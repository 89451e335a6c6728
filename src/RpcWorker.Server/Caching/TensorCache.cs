using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RpcWorker.Protocol;
using RpcWorker.Server.Memory;

namespace RpcWorker.Server.Caching;

/// <summary>
/// The <c>rpc-server -c</c> file cache: tensor data larger than 10 MiB is stored under its FNV-1a-64 hash (file name
/// <c>%016x</c>) so a later SET_TENSOR_HASH can load it without the upload. Files are written to a temporary name and
/// renamed, so readers never see a partial file; a file is used only if its length fits the request and its contents
/// hash to its name. With a size cap, the least recently used files are evicted.
/// </summary>
internal sealed unsafe class TensorCache
{
    private const int IoChunk = 1 << 24;

    private static readonly SearchValues<char> s_hexDigits = SearchValues.Create("0123456789abcdef");

    private readonly ILogger _logger;
    private readonly Lock _evictLock = new();

    public TensorCache(string directory, ulong? maxBytes, ILogger logger)
    {
        Directory = Path.GetFullPath(directory);
        MaxBytes = maxBytes;
        _logger = logger;
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public ulong? MaxBytes { get; }

    public string PathOf(ulong hash) => Path.Combine(Directory, hash.ToString("x16", CultureInfo.InvariantCulture));

    /// <summary>
    /// Loads the file named <paramref name="hash"/> into the buffer at <paramref name="start"/> if it exists, fits before
    /// <paramref name="limit"/> bytes and hashes to its name. On a hash mismatch the destination bytes are undefined (the
    /// client follows a miss with a full SET_TENSOR of the same range).
    /// </summary>
    public bool TryLoad(ulong hash, RemoteBuffer buffer, ulong start, ulong limit)
    {
        string path = PathOf(hash);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);
            ulong length = (ulong)file.Length;
            if (length > limit)
            {
                Log.CacheCorrupt(_logger, path);
                return false;
            }
            byte* destination = buffer.PointerOf(start);
            var fnv = new Fnv1a64();
            ulong done = 0;
            while (done < length)
            {
                int chunk = (int)Math.Min(IoChunk, length - done);
                var span = new Span<byte>(destination + done, chunk);
                file.ReadExactly(span);
                fnv.Append(span);
                done += (ulong)chunk;
            }
            if (fnv.Value != hash || file.Position != file.Length)
            {
                Log.CacheCorrupt(_logger, path);
                TryDelete(path);
                return false;
            }
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            Log.CacheHit(_logger, hash, length);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (EndOfStreamException)
        {
            Log.CacheCorrupt(_logger, path);
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheIoFailed(_logger, path, ex.Message);
            return false;
        }
    }

    /// <summary>Stores <paramref name="length"/> bytes at <paramref name="source"/> under their hash (temp file + rename).</summary>
    public void Store(byte* source, ulong length)
    {
        var fnv = new Fnv1a64();
        for (ulong done = 0; done < length;)
        {
            int chunk = (int)Math.Min(IoChunk, length - done);
            fnv.Append(new ReadOnlySpan<byte>(source + done, chunk));
            done += (ulong)chunk;
        }
        string path = PathOf(fnv.Value);
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var existing = new FileInfo(path);
            if (existing.Exists && (ulong)existing.Length == length)
            {
                existing.LastWriteTimeUtc = DateTime.UtcNow;
                return;
            }
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                file.SetLength((long)length);
                for (ulong done = 0; done < length;)
                {
                    int chunk = (int)Math.Min(IoChunk, length - done);
                    file.Write(new ReadOnlySpan<byte>(source + done, chunk));
                    done += (ulong)chunk;
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            Log.CacheStored(_logger, fnv.Value, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheIoFailed(_logger, path, ex.Message);
            TryDelete(temp);
            return;
        }
        Evict();
    }

    /// <summary>Deletes the least recently used cache files until the total fits <see cref="MaxBytes"/>.</summary>
    public void Evict()
    {
        if (MaxBytes is not { } max)
        {
            return;
        }
        lock (_evictLock)
        {
            var files = new List<FileInfo>();
            ulong total = 0;
            foreach (FileInfo file in new DirectoryInfo(Directory).EnumerateFiles())
            {
                if (IsCacheName(file.Name))
                {
                    files.Add(file);
                    total += (ulong)file.Length;
                }
            }
            files.Sort((a, b) => a.LastWriteTimeUtc.CompareTo(b.LastWriteTimeUtc));
            foreach (FileInfo file in files)
            {
                if (total <= max)
                {
                    break;
                }
                ulong length = (ulong)file.Length;
                if (TryDelete(file.FullName))
                {
                    total -= length;
                    Log.CacheEvicted(_logger, file.FullName);
                }
            }
        }
    }

    private static bool IsCacheName(string name) => name.Length == 16 && !name.AsSpan().ContainsAnyExcept(s_hexDigits);

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CacheIoFailed(_logger, path, ex.Message);
            return false;
        }
    }
}
