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
/// and never reassigned), and training calls on a network without a loss.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CallSiteAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> TrainingMembers = ImmutableHashSet.Create("TrainStep", "ComputeLoss", "ComputeGradients", "Gradients");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.WrongSampleLength, Descriptors.PartialSample, Descriptors.BatchCountMismatch, Descriptors.NoLoss);

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
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, System.Func<INamedTypeSymbol?, ShapedNetwork?> networkOf)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is not ("Forward" or "ForwardBatch" or "TrainStep" or "ComputeLoss" or "ComputeGradients" or "Step" or "StepBlock")) return;
        if (networkOf(method.ContainingType) is not { } network) return;

        IArgumentOperation? Argument(int ordinal) => invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal);
        IArgumentOperation? first = Argument(0), second = Argument(1);
        if (first is null || second is null) return;
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

        int secondSize = method.Name == "ForwardBatch" ? network.OutputSize
            : second.Parameter!.Type is INamedTypeSymbol { TypeArguments.Length: 1 } span && span.TypeArguments[0].SpecialType == SpecialType.System_Int32 ? 1
            : network.OutputSize;
        string secondWhat = secondSize == 1 && method.Name != "ForwardBatch" ? "label" : $"row of {secondSize} floats";
        bool firstWhole = CheckWhole(context, first, firstLength, network.InputSize, name, $"sample of {network.InputSize} floats ({name}.InputSize)");
        bool secondWhole = CheckWhole(context, second, secondLength, secondSize, name, secondWhat);
        if (firstWhole && secondWhole)
            CheckCounts(context, first, firstLength, network.InputSize, "samples", second, secondLength, secondSize, secondWhat);
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
        bool firstWhole = CheckWhole(context, first, firstLength, stepInputs, name, inputUnit);
        bool secondWhole = CheckWhole(context, second, secondLength, stepOutputs, name, outputUnit);
        if (firstWhole && secondWhole)
            CheckCounts(context, first, firstLength, stepInputs, network.TakesTokens ? "token ids" : "steps", second, secondLength, stepOutputs, outputUnit);
    }

    /// <summary>SNET022 when the two buffers hold whole units but not as many of them: the second is told what it should hold.</summary>
    private static void CheckCounts(OperationAnalysisContext context, IArgumentOperation first, int? firstLength, int firstSize, string firstUnits,
        IArgumentOperation second, int? secondLength, int secondSize, string secondWhat)
    {
        if (firstLength is not int inputs || secondLength is not int others || inputs / firstSize == others / secondSize) return;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.BatchCountMismatch, second.Syntax.GetLocation(),
            $"'{second.Parameter!.Name}' holds {others / secondSize} {(others / secondSize == 1 ? secondWhat : Plural(secondWhat))} but '{first.Parameter!.Name}' holds " +
            $"{inputs / firstSize} {firstUnits}{(firstSize == 1 ? "" : $" ({inputs} floats)")}; expected {(long)(inputs / firstSize) * secondSize} values"));
    }

    private static void CheckSample(OperationAnalysisContext context, IArgumentOperation argument, int? length, int expected,
        string network, string method, string what, string constant)
    {
        if (length is int found && found != expected)
            context.ReportDiagnostic(Diagnostic.Create(Descriptors.WrongSampleLength, argument.Syntax.GetLocation(),
                $"'{argument.Parameter!.Name}' of {network}.{method} must hold one {what} of {ShapeInference.Floats(expected)} ({network}.{constant}); this buffer holds {found}"));
    }

    private static bool CheckWhole(OperationAnalysisContext context, IArgumentOperation argument, int? length, int size,
        string network, string unit)
    {
        if (length is not int found || found % size == 0) return true;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.PartialSample, argument.Syntax.GetLocation(),
            $"'{argument.Parameter!.Name}' of {network} must hold whole {Plural(unit)}; this buffer holds {found} floats " +
            $"({found / size} and {found % size} left over)"));
        return false;
    }

    private static string Plural(string unit) =>
        unit.StartsWith("row") ? "rows" + unit.Substring(3)
        : unit.StartsWith("sample") ? "samples" + unit.Substring(6)
        : unit.StartsWith("step") ? "steps" + unit.Substring(4)
        : unit + "s";

    /// <summary><c>net.TrainStep(...)</c> on a network without a loss is a compile error (no such member); say why.</summary>
    private static void AnalyzeMissingMember(SyntaxNodeAnalysisContext context, System.Func<INamedTypeSymbol?, ShapedNetwork?> networkOf)
    {
        var access = (MemberAccessExpressionSyntax)context.Node;
        if (!TrainingMembers.Contains(access.Name.Identifier.ValueText)) return;
        if (context.SemanticModel.GetSymbolInfo(access, context.CancellationToken).Symbol is not null) return;
        if (context.SemanticModel.GetTypeInfo(access.Expression, context.CancellationToken).Type is not INamedTypeSymbol type) return;
        if (networkOf(type) is not { } network || network.Spec.Loss != Generator.Model.LossKind.None) return;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.NoLoss, access.Name.GetLocation(),
            $"Network '{type.Name}' has no loss, so it has no '{access.Name.Identifier.ValueText}'; add [Network(Loss = Loss.SoftmaxCrossEntropy)] " +
            "(or another loss) to the class to train it"));
    }
}
