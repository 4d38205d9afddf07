using System;
using System.IO;
using System.IO.Compression;

namespace StaticNet.Data;

/// <summary>Reads data streams that may be gzip-compressed, recognising gzip by its magic bytes rather than by name.</summary>
internal static class DataStream
{
    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="stream"/>'s content, decompressed if it starts with the gzip
    /// magic bytes 1f 8b. A stream that cannot seek is first copied into memory. <paramref name="stream"/> stays open;
    /// <paramref name="read"/> must leave the stream it gets open too.
    /// </summary>
    public static T Read<T>(Stream stream, Func<Stream, T> read)
    {
        Throw.IfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("Expected a readable stream; found one that cannot read.", nameof(stream));
        Stream input = stream;
        try
        {
            if (!input.CanSeek)
            {
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                input = copy;
            }
            if (StartsWithGzipMagic(input)) input = new GZipStream(input, CompressionMode.Decompress, leaveOpen: ReferenceEquals(input, stream));
            return read(input);
        }
        finally
        {
            if (!ReferenceEquals(input, stream)) input.Dispose();
        }
    }

    /// <summary>Runs <paramref name="read"/> on a file's content, decompressed if it is gzip.</summary>
    public static T Read<T>(string path, Func<Stream, T> read)
    {
        Throw.IfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        return Read(file, read);
    }

    private static bool StartsWithGzipMagic(Stream stream)
    {
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
}
