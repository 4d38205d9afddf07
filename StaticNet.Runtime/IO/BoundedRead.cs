using System;
using System.IO;

namespace StaticNet.IO;

/// <summary>
/// Reads a declared number of bytes from a stream without trusting the declaration: the buffer grows as data arrives
/// (in chunks doubling from 64 KiB), so a stream that ends early costs memory in proportion to what it held, not to
/// what its header claimed. A seekable stream whose remaining length is known is checked before anything is allocated.
/// </summary>
internal static class BoundedRead
{
    private const int FirstChunk = 1 << 16;

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes. Returns <see langword="true"/> and the bytes, or
    /// <see langword="false"/> with <paramref name="available"/> the number of bytes the stream held (then
    /// <paramref name="data"/> is empty).
    /// </summary>
    public static bool TryReadExactly(Stream stream, int length, out byte[] data, out long available)
    {
        if (length < 0)
            throw new ArgumentOutOfRangeException(nameof(length));
        long? remaining = Remaining(stream);
        if (remaining is long r && r < length)
        {
            data = Array.Empty<byte>();
            available = r;
            return false;
        }
        if (remaining is not null || length <= FirstChunk)
        {
            // The length is known to be there (or small): one exact buffer.
            byte[] exact = new byte[length];
            int read = stream.ReadAtLeast(exact, length, throwOnEndOfStream: false);
            data = read == length ? exact : Array.Empty<byte>();
            available = read;
            return read == length;
        }
        // Unknown length: chunks that double from 64 KiB (each at most what is still declared), joined at the end, so
        // the memory spent is at most twice the bytes that actually arrived.
        var chunks = new System.Collections.Generic.List<byte[]>();
        long total = 0;
        int chunkSize = FirstChunk;
        while (total < length)
        {
            byte[] chunk = new byte[(int)Math.Min(chunkSize, length - total)];
            int read = stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
            total += read;
            if (read < chunk.Length)
            {
                data = Array.Empty<byte>();
                available = total;
                return false;
            }
            chunks.Add(chunk);
            chunkSize = (int)Math.Min(1 << 30, 2L * chunkSize);
        }
        data = new byte[length];
        int offset = 0;
        foreach (byte[] chunk in chunks)
        {
            chunk.CopyTo(data, offset);
            offset += chunk.Length;
        }
        available = total;
        return true;
    }

    /// <summary>Whether the stream holds at least one more byte (consumes it on a stream that cannot seek).</summary>
    public static bool HasMore(Stream stream, out long extra)
    {
        if (Remaining(stream) is long r)
        {
            extra = r;
            return r > 0;
        }
        extra = -1;
        return stream.ReadByte() >= 0;
    }

    /// <summary>The bytes left in a seekable stream, or <see langword="null"/> when the stream cannot tell.</summary>
    public static long? Remaining(Stream stream)
    {
        if (!stream.CanSeek)
            return null;
        try
        {
            return Math.Max(0, stream.Length - stream.Position);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
