using System;
using System.IO;

namespace StaticNet.IO;

/// <summary>
/// A safetensors stream that is corrupt, truncated, or does not hold what the caller expects (a missing tensor, a
/// wrong shape or dtype). The message says what was expected and what was found.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>, the natural base, is sealed), so
/// <c>catch (IOException)</c> around loading a weights file covers both unreadable and invalid files. A valid file that
/// does not fit the network throws the derived <see cref="SafetensorsMismatchException"/>.
/// </remarks>
public class SafetensorsFormatException : IOException
{
    /// <summary>Creates the exception with a message that names the problem.</summary>
    /// <param name="message">What was expected and what was found.</param>
    public SafetensorsFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that revealed the problem.</summary>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="innerException">The underlying error, e.g. a JSON parse error.</param>
    public SafetensorsFormatException(string message, Exception innerException) : base(message, innerException) { }
}
