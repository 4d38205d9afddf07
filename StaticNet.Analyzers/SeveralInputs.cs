using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Analyzers;

/// <summary>
/// The call-site length checks for the overloads a network with several named inputs gets, one span per input in
/// declaration order: <c>Forward(state, action, output)</c> takes one sample of each (<c>StateInputSize</c> floats, …,
/// SNET020); <c>ForwardBatch(states, actions, outputs)</c> and <c>ForwardTraining</c> take whole samples of each
/// (SNET021), as many in every buffer (SNET022); <c>Backward(outputGradients, stateGradients, actionGradients)</c> takes
/// whole output rows and whole samples of each input, as many in each.
/// </summary>
internal static class SeveralInputs
{
    public static void Analyze(OperationAnalysisContext context, IInvocationOperation invocation, IMethodSymbol method, ShapedNetwork network)
    {
        ShapedLayer[] inputs = network.Layers.Where(l => l.Kind == LayerKind.InputSlice).ToArray();
        int n = inputs.Length;
        if (n < 2 || method.Parameters.Length != n + 1) return;
        bool backward = method.Name == "Backward";
        if (backward ? method.Parameters[0].Name != "outputGradients" : method.Parameters[n].Name is not ("output" or "outputs")) return;
        if (method.Name is not ("Forward" or "ForwardBatch" or "ForwardTraining" or "Backward")) return;

        string name = method.ContainingType.Name;
        IArgumentOperation? Argument(int ordinal) => invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal);
        int? Length(IArgumentOperation? argument) => argument is null ? null : KnownLengths.Of(argument.Value, context.CancellationToken);
        // Each input's argument, size and constant; the output's (or, for Backward, the output gradient's).
        var parts = new List<(IArgumentOperation? Argument, int Size, string Constant, string Input)>();
        for (int i = 0; i < n; i++)
            parts.Add((Argument(backward ? i + 1 : i), inputs[i].Output.Size, inputs[i].Identifier + "InputSize", inputs[i].Name));
        IArgumentOperation? output = Argument(backward ? 0 : n);

        if (method.Name == "Forward")
        {
            foreach ((IArgumentOperation? argument, int size, string constant, string input) in parts)
                if (argument is not null)
                    CallSiteAnalyzer.CheckSample(context, argument, Length(argument), size, name, "Forward", $"'{input}' input", constant);
            if (output is not null)
                CallSiteAnalyzer.CheckSample(context, output, Length(output), network.OutputSize, name, "Forward", "output", "OutputSize");
            return;
        }

        // Batches: whole samples in every buffer, then as many in each as in the first whole one.
        IArgumentOperation? reference = null;
        int referenceSize = 0;
        string referenceUnit = "";
        void Check(IArgumentOperation? argument, int size, string unit)
        {
            if (argument is null) return;
            int? length = Length(argument);
            if (!CallSiteAnalyzer.CheckWhole(context, argument, length, size, name, unit, "floats") || length is null) return;
            if (reference is null) { reference = argument; referenceSize = size; referenceUnit = unit; return; }
            CallSiteAnalyzer.CheckCounts(context, reference, Length(reference), referenceSize, referenceUnit.StartsWith("row") ? "rows" : "samples", "floats", argument, length, size, unit, "floats");
        }
        string outputUnit = $"row of {network.OutputSize} floats";
        if (backward) Check(output, network.OutputSize, outputUnit);
        foreach ((IArgumentOperation? argument, int size, string constant, string input) in parts)
            Check(argument, size, $"sample of {ShapeInference.Floats(size)} ({name}.{constant})");
        if (!backward) Check(output, network.OutputSize, outputUnit);
    }
}
