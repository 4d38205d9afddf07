using System;
using System.Collections.Generic;
using System.IO;

namespace StaticNet;

/// <summary>
/// What every generated network offers, for code that handles networks generically (the <c>StaticNet.Training.Trainer</c>,
/// metrics, tools). The generated class also has the same members as <c>const</c>s and non-virtual methods, which are
/// what hot code should call.
/// </summary>
/// <remarks>
/// Thread safety: <see cref="Forward"/> and <see cref="ForwardBatch"/> only read the weights and keep their
/// intermediate activations on the stack or in per-thread scratch memory, so any number of threads may run inference
/// on one instance at once, sharing one copy of the weights. Anything that writes the weights (training, loading,
/// writing <see cref="Parameters"/>) must not run concurrently with anything else on the same instance.
/// </remarks>
public interface INetwork
{
    /// <summary>The number of floats in one input sample.</summary>
    int InputSize { get; }

    /// <summary>The number of floats in one output sample.</summary>
    int OutputSize { get; }

    /// <summary>The number of trainable parameters, counted as PyTorch counts them.</summary>
    int ParameterCount { get; }

    /// <summary>
    /// Every trainable parameter in the network's internal layout (which pads and transposes some tensors for
    /// speed). Use it to snapshot and restore weights, or to step an optimizer; use <see cref="ParameterTensors"/>
    /// to read a tensor in PyTorch's layout.
    /// </summary>
    Span<float> Parameters { get; }

    /// <summary>The network's tensors: PyTorch names and shapes, and where each lives in <see cref="Parameters"/>.</summary>
    IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>
    /// The network's layers in order, as the generator knows them: module name and type, input and output shapes,
    /// parameters, multiply-adds per sample (the generated class's static <c>Layers</c> table). The default, for a
    /// network written by hand, is empty.
    /// </summary>
    IReadOnlyList<LayerInfo> Layers => Array.Empty<LayerInfo>();

    /// <summary>
    /// The most threads one batch call (<see cref="ForwardBatch"/>, and a trainable network's <c>ComputeGradients</c> and
    /// <c>TrainStep</c>) runs its 32-row chunks on; never more than the batch has chunks. Generated networks default to
    /// the machine's logical processors and give the same results for every value. The default implementation, for
    /// networks that run on one thread, is 1 and ignores a new value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to less than 1.</exception>
    int MaxDegreeOfParallelism
    {
        get => 1;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "The degree of parallelism must be at least 1.");
        }
    }

    /// <summary>Runs one sample through the network. Allocates nothing.</summary>
    /// <param name="input">Exactly <see cref="InputSize"/> floats.</param>
    /// <param name="output">Exactly <see cref="OutputSize"/> floats, overwritten.</param>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs n samples through the network, row after row. Allocates nothing after a thread's first call.</summary>
    /// <param name="inputs">n × <see cref="InputSize"/> floats.</param>
    /// <param name="outputs">n × <see cref="OutputSize"/> floats, overwritten.</param>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>
    /// Loads every tensor from a safetensors stream, strictly (the file must hold exactly the network's tensors, as
    /// PyTorch's <c>load_state_dict(strict=True)</c>); all or nothing: on any error the weights are unchanged.
    /// </summary>
    /// <exception cref="IO.SafetensorsMismatchException">A tensor is missing, unexpected, or of another shape or dtype; the message lists them all.</exception>
    /// <exception cref="IO.SafetensorsFormatException">The stream is not valid safetensors.</exception>
    void LoadSafetensors(Stream stream);

    /// <summary>Writes every tensor to a safetensors stream with PyTorch names and layouts.</summary>
    void SaveSafetensors(Stream stream);

    /// <summary>
    /// Loads every tensor from a safetensors file, strictly (the file must hold exactly the network's tensors); all or
    /// nothing: on any error the weights are unchanged.
    /// </summary>
    /// <exception cref="IO.SafetensorsMismatchException">A tensor is missing, unexpected, or of another shape or dtype; the message lists them all.</exception>
    /// <exception cref="IO.SafetensorsFormatException">The file is not valid safetensors.</exception>
    void LoadSafetensors(string path)
    {
        using FileStream stream = File.OpenRead(path);
        LoadSafetensors(stream);
    }

    /// <summary>
    /// Loads tensors from a safetensors stream as <paramref name="options"/> say: strict or not, from a prefix (a
    /// sub-module of a larger model). All or nothing: on any error the weights are unchanged. The default
    /// implementation loads into <see cref="ParameterTensors"/> in <see cref="Parameters"/>.
    /// </summary>
    /// <returns>What was loaded, missing and unexpected (both empty after a strict load).</returns>
    /// <exception cref="IO.SafetensorsMismatchException">The file does not fit the network; the message lists every problem.</exception>
    /// <exception cref="IO.SafetensorsFormatException">The stream is not valid safetensors.</exception>
    IO.SafetensorsLoadResult LoadSafetensors(Stream stream, IO.SafetensorsLoadOptions options) =>
        IO.Safetensors.Load(stream, ParameterTensors, Parameters, options);

    /// <summary>Loads tensors from a safetensors file as <paramref name="options"/> say; all or nothing.</summary>
    /// <returns>What was loaded, missing and unexpected (both empty after a strict load).</returns>
    /// <exception cref="IO.SafetensorsMismatchException">The file does not fit the network; the message lists every problem.</exception>
    /// <exception cref="IO.SafetensorsFormatException">The file is not valid safetensors.</exception>
    IO.SafetensorsLoadResult LoadSafetensors(string path, IO.SafetensorsLoadOptions options)
    {
        using FileStream stream = File.OpenRead(path);
        return LoadSafetensors(stream, options);
    }

    /// <summary>
    /// Writes every tensor to a safetensors stream, named <paramref name="prefix"/> + its PyTorch name (e.g.
    /// <c>encoder.fc1.weight</c>), as a sub-module of a larger model. The default implementation writes
    /// <see cref="ParameterTensors"/> from <see cref="Parameters"/>.
    /// </summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="prefix">Prepended to every name as given (include the trailing <c>'.'</c>); <see langword="null"/> or empty for none.</param>
    void SaveSafetensors(Stream stream, string? prefix) =>
        IO.Safetensors.Save(stream, ParameterTensors, Parameters, prefix);

    /// <summary>Writes every tensor to a safetensors file, named <paramref name="prefix"/> + its PyTorch name.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="prefix">Prepended to every name as given (include the trailing <c>'.'</c>); <see langword="null"/> or empty for none.</param>
    void SaveSafetensors(string path, string? prefix)
    {
        using FileStream stream = File.Create(path);
        SaveSafetensors(stream, prefix);
    }

    /// <summary>Writes every tensor to a safetensors file with PyTorch names and layouts.</summary>
    void SaveSafetensors(string path)
    {
        using FileStream stream = File.Create(path);
        SaveSafetensors(stream);
    }
}

/// <summary>A generated network that has a loss, and so can compute gradients and train.</summary>
public interface ITrainableNetwork : INetwork
{
    /// <summary>The loss the network minimises.</summary>
    Loss Loss { get; }

    /// <summary>
    /// The gradient of the last <see cref="ComputeGradients"/> or <see cref="TrainStep"/> with respect to
    /// <see cref="INetwork.Parameters"/>, in the same internal layout.
    /// </summary>
    Span<float> Gradients { get; }

    /// <summary>Computes the mean loss of n samples without changing anything.</summary>
    /// <param name="inputs">n × <see cref="INetwork.InputSize"/> floats.</param>
    /// <param name="targets">n × <see cref="INetwork.OutputSize"/> floats.</param>
    float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

    /// <summary>
    /// Computes the mean loss of n samples and overwrites <see cref="Gradients"/> with its gradient. Allocates nothing.
    /// Runs in training mode (BatchNorm counts the batch in its running statistics, dropout draws masks). All or
    /// nothing: if it throws (<see cref="TrainingDivergedException"/> for a loss that is not finite,
    /// <see cref="ArgumentException"/> for a bad length or label, <see cref="InvalidOperationException"/> when another
    /// thread is training or loading the instance) nothing but <see cref="Gradients"/> has changed.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);

    /// <summary>
    /// One training step: the mean loss and its gradient over n samples, then one optimizer step. All or nothing: if the
    /// loss or the gradient is not finite it throws <see cref="TrainingDivergedException"/>, and like any other
    /// exception from it (a bad length or label, an optimizer bound to another network, another thread training the
    /// instance) it leaves the weights, running statistics, dropout generator and optimizer state as they were.
    /// Allocates nothing after the optimizer's first step.
    /// </summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Optimizers.Optimizer optimizer);

    /// <summary>
    /// Freezes the layer with this PyTorch module name (<c>"0"</c>, <c>"fc1"</c>, <c>"layers.3"</c>; see
    /// <see cref="INetwork.Layers"/>), as PyTorch's <c>requires_grad_(False)</c> on its module: until
    /// <see cref="Unfreeze"/>, training steps leave its parameters and their optimizer state (moments, momentum) as they
    /// are, its gradients stay zero, its weight gradients are not computed, and nothing before the first layer that still
    /// trains is backpropagated. BatchNorm's running statistics still update in training mode, as in PyTorch. Freezing a
    /// frozen layer does nothing. Allocates a little; not for every step.
    /// </summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name; the message lists the names.</exception>
    /// <exception cref="InvalidOperationException">Another thread is training or loading this instance; nothing changed.</exception>
    /// <exception cref="NotSupportedException">The network was written by hand and does not implement freezing (the default).</exception>
    void Freeze(string layerName) => throw new NotSupportedException($"{GetType().Name} does not support freezing layers.");

    /// <summary>Lets a layer frozen by <see cref="Freeze"/> train again. Unfreezing a layer that trains does nothing.</summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name; the message lists the names.</exception>
    /// <exception cref="InvalidOperationException">
    /// The layer was declared <c>Trainable = false</c> (its gradient code was not generated), or another thread is training
    /// or loading this instance; nothing changed.
    /// </exception>
    /// <exception cref="NotSupportedException">The network was written by hand and does not implement freezing (the default).</exception>
    void Unfreeze(string layerName) => throw new NotSupportedException($"{GetType().Name} does not support freezing layers.");

    /// <summary>Whether the layer with this module name is frozen (by <see cref="Freeze"/> or <c>Trainable = false</c>).</summary>
    /// <exception cref="ArgumentException">No layer with parameters has that name; the message lists the names.</exception>
    /// <exception cref="NotSupportedException">The network was written by hand and does not implement freezing (the default).</exception>
    bool IsFrozen(string layerName) => throw new NotSupportedException($"{GetType().Name} does not support freezing layers.");
}
