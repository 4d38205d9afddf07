using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using StaticNet.Generator;
using StaticNet.Generator.Shapes;

namespace StaticNet.Analyzers;

/// <summary>
/// Checks calls to a network's <c>Forward</c>, <c>ForwardBatch</c>, <c>TrainStep</c>, <c>ComputeLoss</c>,
/// <c>ComputeGradients</c> and the streaming <c>Step</c> and <c>StepBlock</c> where a buffer's length is known at compile
/// time (<c>new float[n]</c>, an array initialiser, <c>stackalloc float[n]</c>, or a local initialised with one of those
/// and never reassigned), the single-input <c>ForwardTraining</c> too, and the one-span-per-input overloads of a network
/// with several inputs (<see cref="SeveralInputs"/>); training calls on a network without a loss, or with targets of the
/// wrong type; and streaming calls on a network without streaming.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CallSiteAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> TrainingMembers = ImmutableHashSet.Create("TrainStep", "ComputeLoss", "ComputeGradients", "Gradients");
    private static readonly ImmutableHashSet<string> TrainingCalls = ImmutableHashSet.Create("TrainStep", "ComputeLoss", "ComputeGradients");
    private static readonly ImmutableHashSet<string> StreamingMembers =
        ImmutableHashSet.Create("Step", "StepBlock", "ResetState", "StepInputSize", "StepOutputSize", "StepStateLength");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.WrongSampleLength, Descriptors.PartialSample, Descriptors.BatchCountMismatch, Descriptors.NoLoss,
        Descriptors.NoStep, Descriptors.WrongTargetType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            // One shape inference per network type and compilation, however many call sites.
            var networks = new ConcurrentDictionary<INamedTypeSymbol, ShapedNetwork?>(SymbolEqualityComparer.Default);
            ShapedNetwork? NetworkOf(INamedTypeSymbol? type) =>
                type is null || !type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Parser.InputAttributeName)
                    ? null
                    : networks.GetOrAdd(type, t => ShapeInference.Infer(Parser.ReadSpec(t)).Network);

            start.RegisterOperationAction(c => AnalyzeInvocation(c, NetworkOf), OperationKind.Invocation);
            start.RegisterSyntaxNodeAction(c => AnalyzeMissingMember(c, NetworkOf), SyntaxKind.SimpleMemberAccessExpression);
            start.RegisterSyntaxNodeAction(c => AnalyzeTargetType(c, NetworkOf), SyntaxKind.InvocationExpression);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, System.Func<INamedTypeSymbol?, ShapedNetwork?> networkOf)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is not ("Forward" or "ForwardBatch" or "ForwardTraining" or "Backward" or "TrainStep" or "ComputeLoss" or "ComputeGradients" or "Step" or "StepBlock")) return;
        if (networkOf(method.ContainingType) is not { } network) return;

        IArgumentOperation? Argument(int ordinal) => invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal);
        IArgumentOperation? first = Argument(0), second = Argument(1);
        if (first is null || second is null) return;
        if (method.Name is not ("Step" or "StepBlock") && first.Parameter?.Name is not ("input" or "inputs"))
        {
            SeveralInputs.Analyze(context, invocation, method, network);
            return; // one span per input (several named inputs): checked by input
        }
        if (method.Name == "Backward") return; // the packed sample's Backward: not checked (yet)
        if (method.Name is not ("Step" or "StepBlock") && second.Parameter?.Name is not ("output" or "outputs" or "targets" or "labels"))
            return; // one span per head (several [Output]s): not the packed sample these checks know
        string name = method.ContainingType.Name;
        int? firstLength = KnownLengths.Of(first.Value, context.CancellationToken);
        int? secondLength = KnownLengths.Of(second.Value, context.CancellationToken);

        if (method.Name == "Forward")
        {
            CheckSample(context, first, firstLength, network.InputSize, name, "Forward", "input", "InputSize");
            CheckSample(context, second, secondLength, network.OutputSize, name, "Forward", "output", "OutputSize");
            return;
        }
        if (method.Name is "Step" or "StepBlock")
        {
            if (network.SupportsStep) AnalyzeStep(context, method.Name, network, name, first, firstLength, second, secondLength);
            return;
        }

        // Labels are class ids, one per sample, or one per time step for a network whose loss is per step ([T, C] logits).
        bool labels = method.Name != "ForwardBatch" &&
            second.Parameter!.Type is INamedTypeSymbol { TypeArguments.Length: 1 } span && span.TypeArguments[0].SpecialType == SpecialType.System_Int32;
        int steps = network.Output.Positions;
        int secondSize = labels ? steps : network.OutputSize;
        string secondElements = labels ? "class ids" : "floats";
        string secondWhat = !labels ? $"row of {secondSize} floats"
            : steps == 1 ? "class id"
            : $"row of {steps} class ids (one per time step)";
        string inputElements = network.TakesTokens ? "token ids" : "floats";
        bool firstWhole = CheckWhole(context, first, firstLength, network.InputSize, name, $"sample of {network.InputSize} {inputElements} ({name}.InputSize)", inputElements);
        bool secondWhole = CheckWhole(context, second, secondLength, secondSize, name, secondWhat, secondElements);
        if (firstWhole && secondWhole)
            CheckCounts(context, first, firstLength, network.InputSize, "samples", inputElements, second, secondLength, secondSize, secondWhat, secondElements);
        // TrainStep/ComputeGradients(inputs, targets, sampleWeights[, optimizer]): one weight per sample.
        if (firstWhole && invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "sampleWeights") is { } weights)
            CheckCounts(context, first, firstLength, network.InputSize, "samples", inputElements, weights,
                KnownLengths.Of(weights.Value, context.CancellationToken), 1, "weight", "weights");
    }

    /// <summary>
    /// <c>Step(input, output)</c> takes one time step (<c>StepInputSize</c> floats; a token network's <c>Step</c> takes
    /// an <c>int</c>) and gives <c>StepOutputSize</c> floats; <c>StepBlock(input, output)</c> takes whole steps in both
    /// buffers, as many in one as in the other.
    /// </summary>
    private static void AnalyzeStep(OperationAnalysisContext context, string method, ShapedNetwork network, string name,
        IArgumentOperation first, int? firstLength, IArgumentOperation second, int? secondLength)
    {
        int stepInputs = network.StepInputSize, stepOutputs = network.StepOutputSize;
        if (method == "Step")
        {
            if (!network.TakesTokens)
                CheckSample(context, first, firstLength, stepInputs, name, "Step", "time step's input", "StepInputSize");
            CheckSample(context, second, secondLength, stepOutputs, name, "Step", "time step's output", "StepOutputSize");
            return;
        }
        string inputUnit = network.TakesTokens ? "token id" : $"step of {ShapeInference.Floats(stepInputs)} ({name}.StepInputSize)";
        string outputUnit = $"step of {ShapeInference.Floats(stepOutputs)} ({name}.StepOutputSize)";
        string inputElements = network.TakesTokens ? "token ids" : "floats";
        bool firstWhole = CheckWhole(context, first, firstLength, stepInputs, name, inputUnit, inputElements);
        bool secondWhole = CheckWhole(context, second, secondLength, stepOutputs, name, outputUnit, "floats");
        if (firstWhole && secondWhole)
            CheckCounts(context, first, firstLength, stepInputs, network.TakesTokens ? "token ids" : "steps", inputElements,
                second, secondLength, stepOutputs, outputUnit, "floats");
    }

    /// <summary>SNET022 when the two buffers hold whole units but not as many of them: the second is told what it should hold.</summary>
    internal static void CheckCounts(OperationAnalysisContext context, IArgumentOperation first, int? firstLength, int firstSize, string firstUnits,
        string firstElements, IArgumentOperation second, int? secondLength, int secondSize, string secondWhat, string secondElements)
    {
        if (firstLength is not int inputs || secondLength is not int others || inputs / firstSize == others / secondSize) return;
        int count = inputs / firstSize;
        string firstText = count == 1 && firstUnits.EndsWith("s") ? firstUnits.Substring(0, firstUnits.Length - 1) : firstUnits;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.BatchCountMismatch, second.Syntax.GetLocation(),
            $"'{second.Parameter!.Name}' holds {others / secondSize} {(others / secondSize == 1 ? secondWhat : Plural(secondWhat))} but '{first.Parameter!.Name}' holds " +
            $"{count} {firstText}{(firstSize == 1 ? "" : $" ({inputs} {firstElements})")}; expected {(long)count * secondSize} {secondElements}"));
    }

    internal static void CheckSample(OperationAnalysisContext context, IArgumentOperation argument, int? length, int expected,
        string network, string method, string what, string constant)
    {
        if (length is int found && found != expected)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.WrongSampleLength, argument.Syntax.GetLocation(),
                $"'{argument.Parameter!.Name}' of {network}.{method} must hold one {what} of {ShapeInference.Floats(expected)} ({network}.{constant}); this buffer holds {found}"));
    }

    internal static bool CheckWhole(OperationAnalysisContext context, IArgumentOperation argument, int? length, int size,
        string network, string unit, string elements)
    {
        if (length is not int found || found % size == 0) return true;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.PartialSample, argument.Syntax.GetLocation(),
            $"'{argument.Parameter!.Name}' of {network} must hold whole {Plural(unit)}; this buffer holds {found} {elements} " +
            $"({found / size} and {found % size} left over)"));
        return false;
    }

    private static string Plural(string unit) =>
        unit.StartsWith("row") ? "rows" + unit.Substring(3)
        : unit.StartsWith("sample") ? "samples" + unit.Substring(6)
        : unit.StartsWith("step") ? "steps" + unit.Substring(4)
        : unit + "s";

    /// <summary>
    /// <c>net.TrainStep(...)</c> on a network without a loss, or <c>net.Step(...)</c> on one without streaming, is a
    /// compile error (CS1061, no such member), which the compiler reports whatever an analyzer does; say why, on the
    /// same member name.
    /// </summary>
    private static void AnalyzeMissingMember(SyntaxNodeAnalysisContext context, System.Func<INamedTypeSymbol?, ShapedNetwork?> networkOf)
    {
        var access = (MemberAccessExpressionSyntax)context.Node;
        string member = access.Name.Identifier.ValueText;
        bool training = TrainingMembers.Contains(member), streaming = StreamingMembers.Contains(member);
        if (!training && !streaming) return;
        if (context.SemanticModel.GetSymbolInfo(access, context.CancellationToken) is { Symbol: not null } or { CandidateSymbols.Length: > 0 }) return;
        if (context.SemanticModel.GetTypeInfo(access.Expression, context.CancellationToken).Type is not INamedTypeSymbol type) return;
        if (networkOf(type) is not { } network) return;
        if (training && network.Spec.Loss == Generator.Model.LossKind.None)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.NoLoss, access.Name.GetLocation(),
                $"Network '{type.Name}' has no loss, so it has no '{member}'; add [Network(Loss = Loss.SoftmaxCrossEntropy)] " +
                "(or another loss) to the class to train it"));
        else if (streaming && network.WhyNoStep is { } reason)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.NoStep, access.Name.GetLocation(),
                $"Network '{type.Name}' has no streaming '{member}': {reason}"));
    }

    /// <summary>
    /// <c>TrainStep</c>, <c>ComputeLoss</c> or <c>ComputeGradients</c> whose targets do not convert to any overload
    /// (CS1503, which the compiler reports whatever an analyzer does): <c>long[]</c> class ids, <c>int</c> ids for a
    /// loss that takes float targets, <c>double[]</c> targets. Say what the network takes, on the same argument.
    /// </summary>
    private static void AnalyzeTargetType(SyntaxNodeAnalysisContext context, System.Func<INamedTypeSymbol?, ShapedNetwork?> networkOf)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (invocation.Expression is not MemberAccessExpressionSyntax access || !TrainingCalls.Contains(access.Name.Identifier.ValueText)) return;
        if (invocation.ArgumentList.Arguments.Count < 2) return;
        SymbolInfo info = context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken);
        if (info.Symbol is not null || info.CandidateReason != CandidateReason.OverloadResolutionFailure) return;
        if (context.SemanticModel.GetTypeInfo(access.Expression, context.CancellationToken).Type is not INamedTypeSymbol type) return;
        if (networkOf(type) is not { } network || network.Spec.Loss == Generator.Model.LossKind.None) return;

        ArgumentSyntax argument = invocation.ArgumentList.Arguments[1];
        if (argument.NameColon is { } named && named.Name.Identifier.ValueText is not ("targets" or "labels")) return;
        if (ElementType(context.SemanticModel.GetTypeInfo(argument.Expression, context.CancellationToken).Type) is not { } element) return;
        if (element.SpecialType is SpecialType.System_Single) return;
        bool integer = element.SpecialType is >= SpecialType.System_SByte and <= SpecialType.System_UInt64;
        if (!integer && element.SpecialType is not (SpecialType.System_Double or SpecialType.System_Decimal)) return;

        string method = access.Name.Identifier.ValueText, found = element.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        bool takesLabels = network.Spec.Loss == Generator.Model.LossKind.SoftmaxCrossEntropy;
        int steps = network.Output.Positions;
        string perSample = steps == 1 ? "one class id per sample" : $"one class id per time step, {steps} per sample";
        string message;
        if (integer && takesLabels)
        {
            if (element.SpecialType == SpecialType.System_Int32) return; // binds; something else is wrong
            message = $"{type.Name}.{method} takes class ids as int ({perSample}); this buffer holds {found}: convert the ids to int " +
                      "(such as Array.ConvertAll(ids, id => (int)id)), or keep them as int[] from the start";
        }
        else if (integer)
        {
            message = $"{type.Name} is trained with {network.Spec.Loss}, whose targets are floats ({network.OutputSize} per sample, " +
                      $"{type.Name}.OutputSize), not class ids; this buffer holds {found}. Pass float targets, or declare " +
                      "[Network(Loss = Loss.SoftmaxCrossEntropy)] to train on class ids";
        }
        else
        {
            message = $"{type.Name}.{method} takes {(takesLabels ? "float targets or int class ids" : "float targets")}; this buffer holds {found}: " +
                      $"convert the values to float";
        }
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.WrongTargetType, argument.Expression.GetLocation(), message));
    }

    /// <summary>The element type of an array, span, memory or list argument; null for anything else.</summary>
    private static ITypeSymbol? ElementType(ITypeSymbol? type) => type switch
    {
        IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
        INamedTypeSymbol { TypeArguments.Length: 1 } named when named.Name is "Span" or "ReadOnlySpan" or "Memory" or "ReadOnlyMemory" or "List"
            => named.TypeArguments[0],
        _ => null,
    };
}
