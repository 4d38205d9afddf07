using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Tests;

/// <summary>The analyzers' list of generated member names (SNET015) matches what the emitter really writes.</summary>
public class GeneratedMembersTests
{
    [Theory]
    [InlineData(SnapshotTests.DigitsNet, "Demo.DigitsNet")]
    [InlineData(SnapshotTests.ResidualGraph, "Demo.ResidualGraph")]
    [InlineData(SnapshotTests.TwoInputCritic, "Demo.TwoInputCritic")]
    [InlineData(SnapshotTests.TwoHeadActorCritic, "Demo.TwoHeadActorCritic")]
    [InlineData(SnapshotTests.DeepRegressor, "Demo.Models.Zoo+DeepRegressor")]
    [InlineData(SnapshotTests.InferenceOnly, "TinyPolicy")]
    [InlineData(SnapshotTests.SampleCnn, "Demo.SampleCnn")]
    [InlineData(SnapshotTests.NormalizedCnn, "Demo.NormalizedCnn")]
    [InlineData(SnapshotTests.StreamingLstm, "Demo.StreamingLstm")]
    [InlineData(SnapshotTests.TokenClassifier, "Demo.TokenClassifier")]
    [InlineData(SnapshotTests.StackedLstm, "Demo.StackedLstm")]
    [InlineData(SnapshotTests.BidirectionalGru, "Demo.BidirectionalGru")]
    public void EveryEmittedMemberIsListed(string source, string metadataName)
    {
        var compilation = GeneratorHarness.Compile(source);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out _);
        INamedTypeSymbol type = generated.GetTypeByMetadataName(metadataName)!;
        ShapedNetwork network = ShapeInference.Infer(Parser.ReadSpec(type)).Network!;
        Dictionary<string, int[]?> listed = GeneratedMembers.Of(network);

        var emitted = type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.ExplicitInterfaceImplementation })
            .Where(m => m is not IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 })
            .ToList();
        Assert.NotEmpty(emitted);
        foreach (ISymbol member in emitted)
        {
            Assert.True(listed.TryGetValue(member.Name, out int[]? counts), $"{member.Name} is emitted but not listed in GeneratedMembers");
            if (member is IMethodSymbol method)
                Assert.True(counts is not null && (ReferenceEquals(counts, GeneratedMembers.AnyParameters) || counts.Contains(method.Parameters.Length)), $"{member.Name}({method.Parameters.Length} parameters) is not listed with that parameter count");
            else
                Assert.Null(counts);
        }
        Assert.All(listed.Keys.Where(name => !ReferenceEquals(listed[name], GeneratedMembers.AnyParameters) || !name.EndsWith("Backward")),
            name => Assert.Contains(emitted, m => m.Name == name));
    }
}
