namespace StaticNet.IO;

/// <summary>
/// How <c>LoadSafetensors</c> matches a file's tensors to a network's, as PyTorch's
/// <c>load_state_dict(state_dict, strict)</c> and the <c>prefix</c> of a sub-module.
/// </summary>
/// <remarks>
/// The network's tensor <c>fc1.weight</c> is looked up in the file as <see cref="Prefix"/> + <c>fc1.weight</c>. A
/// file tensor is <em>unexpected</em> if its name starts with the prefix (every name does when there is no prefix) and
/// the network has no tensor of that name; tensors outside the prefix belong to other modules of a larger model and are
/// neither loaded nor reported. A tensor that is present but has another shape, or a dtype StaticNet cannot load, is an
/// error in both modes. Loading is all or nothing in both modes.
/// </remarks>
public sealed class SafetensorsLoadOptions
{
    /// <summary>
    /// Whether the file must hold exactly the network's tensors (under <see cref="Prefix"/>): any missing or unexpected
    /// tensor throws <see cref="SafetensorsMismatchException"/>, which lists both, and nothing is loaded. When false,
    /// the tensors that match are loaded, missing ones keep their values, and
    /// <see cref="SafetensorsLoadResult.MissingTensors"/> and <see cref="SafetensorsLoadResult.UnexpectedTensors"/>
    /// say what did not match. Default true, as PyTorch's <c>strict=True</c>.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// What the file's names start with, e.g. <c>"encoder."</c> to load a network from the <c>encoder</c> sub-module of
    /// a larger model's state_dict (<c>encoder.fc1.weight</c> loads into <c>fc1.weight</c>). It is prepended as given,
    /// so include the trailing <c>'.'</c>. <see langword="null"/> or empty (the default) for none.
    /// </summary>
    public string? Prefix { get; init; }
}
