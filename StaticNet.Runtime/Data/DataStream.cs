using System;
using System.IO;
using System.IO.Compression;

namespace StaticNet.Data;

/// <summary>Reads data streams that may be gzip-compressed, recognising gzip by its magic bytes rather than by name.</summary>
internal static class DataStream
{
    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="stream"/>'s content, decompressed if it starts with the gzip
    /// magic bytes 1f 8b. A stream that cannot seek is first copied into memory (its bytes, as they arrive).
    /// <paramref name="stream"/> stays open; <paramref name="read"/> must leave the stream it gets open too. Corrupt gzip
    /// data throws <see cref="InvalidDataException"/> that says so and gives the compressed byte offset reached.
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
            if (StartsWithGzipMagic(input)) input = new CorruptGzipGuard(input, leaveOpen: ReferenceEquals(input, stream));
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

    /// <summary>
    /// Decompresses gzip and turns the decompressor's terse errors ("The archive entry was compressed using an
    /// unsupported compression method.") into an <see cref="InvalidDataException"/> that says the gzip data is corrupt
    /// and how far into the compressed input it got.
    /// </summary>
    private sealed class CorruptGzipGuard(Stream compressed, bool leaveOpen) : Stream
    {
        private readonly GZipStream _gzip = new(compressed, CompressionMode.Decompress, leaveOpen);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _gzip.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"The gzip data is corrupt (reading compressed byte {compressed.Position} of {compressed.Length}): {e.Message}", e);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _gzip.Dispose();
            base.Dispose(disposing);
        }
    }
}
