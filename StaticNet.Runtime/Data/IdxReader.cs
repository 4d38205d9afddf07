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
/// then the data in row-major order.
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
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 3-dimensional IDX file, or the data is truncated or too long.</exception>
    public static IdxImages ReadImages(string path, bool scaleToUnitRange = true) =>
        DataStream.Read(path, input => ReadImagesCore(input, scaleToUnitRange, Path.GetFileName(path)));

    /// <summary>Reads an images file (3 dimensions: count, rows, columns) from a stream, which stays open.</summary>
    /// <param name="stream">The data, plain or gzip, read from its current position.</param>
    /// <param name="scaleToUnitRange">Whether to divide each pixel by 255 (to [0, 1]); otherwise pixels are 0..255.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 3-dimensional IDX file, or the data is truncated or too long.</exception>
    public static IdxImages ReadImages(Stream stream, bool scaleToUnitRange = true) =>
        DataStream.Read(stream, input => ReadImagesCore(input, scaleToUnitRange, "IDX images"));

    /// <summary>Reads a labels file (1 dimension: count).</summary>
    /// <param name="path">The file to read, plain or gzip.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 1-dimensional IDX file, or the data is truncated or too long.</exception>
    public static int[] ReadLabels(string path) =>
        DataStream.Read(path, input => ReadLabelsCore(input, Path.GetFileName(path)));

    /// <summary>Reads a labels file (1 dimension: count) from a stream, which stays open.</summary>
    /// <param name="stream">The data, plain or gzip, read from its current position.</param>
    /// <exception cref="InvalidDataException">The header is not that of an unsigned-byte 1-dimensional IDX file, or the data is truncated or too long.</exception>
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
        long length = (long)dimensions[0] * dimensions[1] * dimensions[2];
        if (length > Compat.ArrayMaxLength)
            throw new InvalidDataException($"{source}: {dimensions[0]} images of {dimensions[1]}×{dimensions[2]} pixels do not fit in one array.");
        byte[] bytes = ReadData(input, (int)length, source);
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
        byte[] bytes = ReadData(input, dimensions[0], source);
        var labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) labels[i] = bytes[i];
        return labels;
    }

    // Reads and checks the magic number and the sizes; returns the sizes.
    private static int[] ReadHeader(Stream input, int expectedDimensions, string kind, string source)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(input, magic, "the 4-byte magic number", source);
        if (magic[0] != 0 || magic[1] != 0 || magic[2] != UnsignedByteType || magic[3] != expectedDimensions)
            throw new InvalidDataException($"{source}: expected the IDX magic number 00 00 08 {expectedDimensions:x2} of unsigned-byte {kind}; " +
                                           $"found {Compat.ToHexString(magic)}.");
        var dimensions = new int[expectedDimensions];
        Span<byte> size = stackalloc byte[4];
        for (int d = 0; d < dimensions.Length; d++)
        {
            ReadExactly(input, size, $"the size of dimension {d}", source);
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(size);
            if (dimensions[d] < 0 || (d > 0 && dimensions[d] == 0))
                throw new InvalidDataException($"{source}: expected dimension {d} to be {(d == 0 ? "≥ 0" : "> 0")}; found {dimensions[d]}.");
        }
        return dimensions;
    }

    private static byte[] ReadData(Stream input, int length, string source)
    {
        var data = new byte[length];
        ReadExactly(input, data, $"{length} bytes of data after the header", source);
        if (input.ReadByte() >= 0)
            throw new InvalidDataException($"{source}: expected the file to end after the {length} bytes of data its header declares; found more.");
        return data;
    }

    private static void ReadExactly(Stream input, Span<byte> buffer, string what, string source)
    {
        int read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
            throw new InvalidDataException($"{source}: the file is truncated: expected {what}; found only {read} of {buffer.Length} bytes.");
    }
}
