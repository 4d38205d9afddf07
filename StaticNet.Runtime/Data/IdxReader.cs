using System;
using System.Buffers.Binary;
using System.IO;
using StaticNet.Training;

namespace StaticNet.Data;

/// <summary>Images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> pixels.</summary>
/// <param name="Pixels">Count × Rows × Columns floats, image after image, each row-major.</param>
/// <param name="Count">The number of images.</param>
/// <param name="Rows">The height of an image.</param>
/// <param name="Columns">The width of an image.</param>
public readonly record struct IdxImages(float[] Pixels, int Count, int Rows, int Columns)
{
    /// <summary>The number of pixels of one image, <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public int PixelsPerImage => Rows * Columns;
}

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST: unsigned-byte images (<c>idx3-ubyte</c>) and labels
/// (<c>idx1-ubyte</c>), plain or gzip-compressed (recognised by the magic bytes).
/// </summary>
/// <remarks>
/// An IDX file is a big-endian header, <c>00 00 08 n</c> (unsigned bytes, n dimensions) followed by n 32-bit sizes,
/// then the data in row-major order. Reading allocates in proportion to the bytes actually present, never to the
/// sizes a header declares: an 8-byte file declaring 2^31 − 1 labels fails with "truncated" after reading 8 bytes.
/// </remarks>
/// <example>
/// <code>
/// Dataset train = IdxReader.LoadDataset("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
/// </code>
/// </example>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an images file (3 dimensions: count, rows, columns).</summary>
    /// <param name="path">The file to read, plain or gzip.</param>
    /// <param name="scaleToUnitRange">Whether to divide each pixel by 255 (to [0, 1]); otherwise pixels are 0..255.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 3-dimensional IDX file, the data is truncated or too long, or the declared size does not fit in one array, or gzip data is corrupt; the message gives the byte offset, what the header declares and what the file holds. Nothing is allocated in proportion to a declared size before the data is there.</exception>
    public static IdxImages ReadImages(string path, bool scaleToUnitRange = true) =>
        DataStream.Read(path, input => ReadImagesCore(input, scaleToUnitRange, Path.GetFileName(path)));

    /// <summary>Reads an images file (3 dimensions: count, rows, columns) from a stream, which stays open.</summary>
    /// <param name="stream">The data, plain or gzip, read from its current position.</param>
    /// <param name="scaleToUnitRange">Whether to divide each pixel by 255 (to [0, 1]); otherwise pixels are 0..255.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 3-dimensional IDX file, the data is truncated or too long, or the declared size does not fit in one array, or gzip data is corrupt; the message gives the byte offset, what the header declares and what the file holds. Nothing is allocated in proportion to a declared size before the data is there.</exception>
    public static IdxImages ReadImages(Stream stream, bool scaleToUnitRange = true) =>
        DataStream.Read(stream, input => ReadImagesCore(input, scaleToUnitRange, "IDX images"));

    /// <summary>Reads a labels file (1 dimension: count).</summary>
    /// <param name="path">The file to read, plain or gzip.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 1-dimensional IDX file, the data is truncated or too long, or gzip data is corrupt; the message gives the byte offset, what the header declares and what the file holds. Nothing is allocated in proportion to a declared size before the data is there.</exception>
    public static int[] ReadLabels(string path) =>
        DataStream.Read(path, input => ReadLabelsCore(input, Path.GetFileName(path)));

    /// <summary>Reads a labels file (1 dimension: count) from a stream, which stays open.</summary>
    /// <param name="stream">The data, plain or gzip, read from its current position.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 1-dimensional IDX file, the data is truncated or too long, or gzip data is corrupt; the message gives the byte offset, what the header declares and what the file holds. Nothing is allocated in proportion to a declared size before the data is there.</exception>
    public static int[] ReadLabels(Stream stream) =>
        DataStream.Read(stream, input => ReadLabelsCore(input, "IDX labels"));

    /// <summary>
    /// Loads an images file and its labels file as a classification <see cref="Dataset"/>: one row of
    /// rows × columns features per image, one-hot targets.
    /// </summary>
    /// <param name="imagesPath">The images file (idx3-ubyte), plain or gzip.</param>
    /// <param name="labelsPath">The labels file (idx1-ubyte), plain or gzip.</param>
    /// <param name="classCount">The number of classes; every label must be below it.</param>
    /// <param name="scaleToUnitRange">Whether to divide each pixel by 255 (to [0, 1]).</param>
    /// <exception cref="InvalidDataException">
    /// A file is not a valid IDX file of its kind, the files hold different numbers of samples, or a label is out of range.
    /// </exception>
    public static Dataset LoadDataset(string imagesPath, string labelsPath, int classCount = 10, bool scaleToUnitRange = true)
    {
        Throw.IfLessThan(classCount, 2);
        IdxImages images = ReadImages(imagesPath, scaleToUnitRange);
        int[] labels = ReadLabels(labelsPath);
        if (labels.Length != images.Count)
            throw new InvalidDataException($"Expected as many labels as images ({images.Count} in {Path.GetFileName(imagesPath)}); found {labels.Length} in {Path.GetFileName(labelsPath)}.");
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
                throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: expected labels in [0, {classCount}); found {labels[i]} at index {i}.");
        }
        return Dataset.FromLabels(images.Pixels, images.PixelsPerImage, labels, classCount);
    }

    private static IdxImages ReadImagesCore(Stream input, bool scaleToUnitRange, string source)
    {
        int[] dimensions = ReadHeader(input, 3, "images (idx3-ubyte)", source);
        // Each factor is below 2^31, so the product of the first two fits in a long; check before multiplying by the third.
        long perImage = (long)dimensions[1] * dimensions[2];
        if (perImage > Compat.ArrayMaxLength || (perImage > 0 && dimensions[0] > Compat.ArrayMaxLength / perImage))
            throw new InvalidDataException($"{source}, byte 4: the header declares {dimensions[0]} image{(dimensions[0] == 1 ? "" : "s")} of {dimensions[1]}×{dimensions[2]} pixels, more than fit in one array ({Compat.ArrayMaxLength} bytes).");
        long length = dimensions[0] * perImage;
        byte[] bytes = ReadData(input, (int)length, HeaderLength(3), $"{dimensions[0]} image{(dimensions[0] == 1 ? "" : "s")} of {dimensions[1]}×{dimensions[2]} pixels", source);
        // x / 255 (not x · (1/255), which is off by an ulp for some x), as torchvision's ToTensor, via a table.
        Span<float> values = stackalloc float[256];
        for (int b = 0; b < values.Length; b++) values[b] = scaleToUnitRange ? b / 255f : b;
        var pixels = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) pixels[i] = values[bytes[i]];
        return new IdxImages(pixels, dimensions[0], dimensions[1], dimensions[2]);
    }

    private static int[] ReadLabelsCore(Stream input, string source)
    {
        int[] dimensions = ReadHeader(input, 1, "labels (idx1-ubyte)", source);
        byte[] bytes = ReadData(input, dimensions[0], HeaderLength(1), $"{dimensions[0]} label{(dimensions[0] == 1 ? "" : "s")}", source);
        var labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) labels[i] = bytes[i];
        return labels;
    }

    /// <summary>The bytes before the data: the 4-byte magic number and one 4-byte size per dimension.</summary>
    private static int HeaderLength(int dimensions) => 4 + 4 * dimensions;

    // Reads and checks the magic number and the sizes; returns the sizes.
    private static int[] ReadHeader(Stream input, int expectedDimensions, string kind, string source)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(input, magic, 0, "the 4-byte magic number", source);
        if (magic[0] != 0 || magic[1] != 0 || magic[2] != UnsignedByteType || magic[3] != expectedDimensions)
            throw new InvalidDataException($"{source}, byte 0: expected the IDX magic number 00 00 08 {expectedDimensions:x2} of unsigned-byte {kind}; " +
                                           $"found {Compat.ToHexString(magic)}.");
        var dimensions = new int[expectedDimensions];
        Span<byte> size = stackalloc byte[4];
        for (int d = 0; d < dimensions.Length; d++)
        {
            int offset = 4 + 4 * d;
            ReadExactly(input, size, offset, $"the size of dimension {d}", source);
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(size);
            if (dimensions[d] < 0 || (d > 0 && dimensions[d] == 0))
                throw new InvalidDataException($"{source}, byte {offset}: expected dimension {d} to be {(d == 0 ? "≥ 0" : "> 0")}; found {dimensions[d]}.");
        }
        return dimensions;
    }

    /// <summary>
    /// Reads the <paramref name="length"/> bytes of data the header declares, and checks that the file ends there.
    /// Nothing is allocated in proportion to the declared length before the data is known to be there: a seekable
    /// stream is measured first, and a stream that cannot seek (gzip) is read into a buffer that grows as data
    /// arrives, up to the declared length.
    /// </summary>
    private static byte[] ReadData(Stream input, int length, int start, string declared, string source)
    {
        if (!IO.BoundedRead.TryReadExactly(input, length, out byte[] data, out long available))
            throw new InvalidDataException($"{source}, byte {start + available}: the file is truncated: the header declares {declared}, {length} bytes of data after the {start}-byte header; the file holds {available}.");
        if (IO.BoundedRead.HasMore(input, out long extra))
            throw new InvalidDataException($"{source}, byte {(long)start + length}: expected the file to end after the {length} bytes of data its header declares ({declared}); found {(extra < 0 ? "more" : $"{extra} more bytes")}.");
        return data;
    }

    private static void ReadExactly(Stream input, Span<byte> buffer, int offset, string what, string source)
    {
        int read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new InvalidDataException($"{source}, byte {offset + read}: the file is truncated: expected {what} at byte {offset}; found only {read} of {buffer.Length} bytes.");
    }
}
