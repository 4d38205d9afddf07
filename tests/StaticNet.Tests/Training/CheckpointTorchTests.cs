using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using StaticNet.Tests.PyTorchExport;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Training;

/// <summary>
/// PyTorch resumes a StaticNet checkpoint: tests/reference/checkpoint_step.py rebuilds torch.optim's state_dict from the
/// file's names (exp_avg, exp_avg_sq, step, momentum_buffer), loads it with load_state_dict and takes one step with
/// the same gradients; its parameters equal StaticNet's after the same step. This checks the names, the shapes, the
/// mapping of the padded internal layout and the meaning of every value.
/// </summary>
public sealed class CheckpointTorchTests
{
    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static (float[] Inputs, int[] Labels) Batch(int seed) =>
        (RandomVector(24 * DigitsNet.InputSize, seed), Enumerable.Range(0, 24).Select(i => (i * 7 + seed) % 10).ToArray());

    [TorchFact]
    public void PyTorchResumesTheOptimizerState_AndTakesTheSameStep()
    {
        foreach (Func<Optimizer> create in new Func<Optimizer>[]
        {
            () => new Adam(1e-2f, weightDecay: 1e-3f),
            () => new AdamW(1e-2f, beta1: 0.8f, weightDecay: 0.1f),
            () => new Sgd(0.05f, momentum: 0.9f, nesterov: true, weightDecay: 1e-3f),
        })
        {
            string work = Path.Combine(Path.GetTempPath(), "staticnet-ckpt-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(work);
            try
            {
                var net = new DigitsNet(seed: 1);
                Optimizer optimizer = create();
                for (int step = 0; step < 3; step++)
                {
                    var (x, y) = Batch(step);
                    net.TrainStep(x, y, optimizer);
                }
                Checkpoint.Save(Path.Combine(work, "checkpoint.safetensors"), net, optimizer);

                var (inputs, labels) = Batch(3);
                net.ComputeGradients(inputs, labels);
                float[] gradients = net.Gradients.ToArray();
                using (FileStream file = File.Create(Path.Combine(work, "gradients.safetensors")))
                    Safetensors.Write(file, net.ParameterTensors.Select(t => new SafetensorsTensor(t.Name, t.Shape.ToArray(), t.Export(gradients))).ToList());
                net.TrainStep(inputs, labels, optimizer);

                string script = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "reference", "checkpoint_step.py"));
                var start = new ProcessStartInfo(TorchFactAttribute.Python) { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (string argument in new[] { script, Path.Combine(work, "checkpoint.safetensors"), Path.Combine(work, "gradients.safetensors"), Path.Combine(work, "torch.safetensors") })
                    start.ArgumentList.Add(argument);
                using (Process process = Process.Start(start)!)
                {
                    string error = process.StandardError.ReadToEnd();
                    process.WaitForExit();
                    Assert.True(process.ExitCode == 0, $"{optimizer.GetType().Name}: {error}");
                }

                SafetensorsFile torch = Safetensors.Read(Path.Combine(work, "torch.safetensors"));
                foreach (ParameterTensor tensor in net.ParameterTensors)
                {
                    float[] ours = tensor.Export(net.Parameters), theirs = torch.Get(tensor.Name).Data;
                    for (int i = 0; i < ours.Length; i++)
                        Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-6f * Math.Max(1f, Math.Abs(theirs[i])),
                            $"{optimizer.GetType().Name} {tensor.Name}[{i}]: StaticNet {ours[i]:R}, PyTorch {theirs[i]:R}.");
                }
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
