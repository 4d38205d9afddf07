using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace StaticNet.Analyzers;

/// <summary>The length of a buffer expression when the compiler knows it; null when it does not.</summary>
internal static class KnownLengths
{
    public static int? Of(IOperation operation, CancellationToken cancellationToken, int depth = 0)
    {
        while (operation is IConversionOperation conversion) operation = conversion.Operand;
        if (InlineArrayLength(operation.Type) is int inline) return inline;
        if (OfCollectionExpression(operation) is int elements) return elements;
        switch (operation)
        {
            case IArrayCreationOperation { DimensionSizes.Length: 1 } array:
                return array.DimensionSizes[0].ConstantValue is { HasValue: true, Value: int length } ? length : null;
            case ILocalReferenceOperation local when depth < 4:
                return OfLocal(local, cancellationToken, depth);
        }
        return operation.Syntax is ExpressionSyntax syntax && operation.SemanticModel is { } model ? OfStackAlloc(syntax, model, cancellationToken) : null;
    }

    // OperationKind.CollectionExpression and OperationKind.Spread, which Roslyn 4.3 does not name: compilers that know
    // C# 12 collection expressions (Roslyn 4.9 and later) report them with these values.
    private const int CollectionExpressionKind = 127;
    private const int SpreadKind = 128;

    /// <summary>The element count of a collection expression such as <c>[1f, 2f, 3f]</c>, unless it spreads another collection.</summary>
    private static int? OfCollectionExpression(IOperation operation)
    {
        if ((int)operation.Kind != CollectionExpressionKind) return null;
        int count = 0;
        foreach (IOperation element in operation.ChildOperations)
        {
            if ((int)element.Kind == SpreadKind) return null;
            count++;
        }
        return count;
    }

    /// <summary>The length of a C# 12 inline array type (such as a network's generated <c>InputBuffer</c>).</summary>
    private static int? InlineArrayLength(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Struct } named) return null;
        foreach (AttributeData attribute in named.GetAttributes())
            if (attribute.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.InlineArrayAttribute" &&
                attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int length)
                return length;
        return null;
    }

    private static int? OfStackAlloc(ExpressionSyntax syntax, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (syntax)
        {
            case StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax { RankSpecifiers.Count: 1 } arrayType } creation
                when arrayType.RankSpecifiers[0].Sizes.Count == 1:
                ExpressionSyntax size = arrayType.RankSpecifiers[0].Sizes[0];
                if (size is OmittedArraySizeExpressionSyntax)
                    return creation.Initializer?.Expressions.Count;
                return model.GetConstantValue(size, cancellationToken) is { HasValue: true, Value: int length } ? length : null;
            case ImplicitStackAllocArrayCreationExpressionSyntax implicitStackAlloc:
                return implicitStackAlloc.Initializer.Expressions.Count;
        }
        return null;
    }

    /// <summary>A local's length, when its initializer has one and nothing else ever assigns the local.</summary>
    private static int? OfLocal(ILocalReferenceOperation reference, CancellationToken cancellationToken, int depth)
    {
        ILocalSymbol local = reference.Local;
        if (local.DeclaringSyntaxReferences.Length != 1 || reference.SemanticModel is not { } model) return null;
        if (local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator)
            return null;
        SyntaxNode? scope = declarator.FirstAncestorOrSelf<BlockSyntax>() ?? (SyntaxNode?)declarator.FirstAncestorOrSelf<CompilationUnitSyntax>();
        if (scope is null || IsReassigned(local, scope, model, cancellationToken)) return null;
        if (model.SyntaxTree != initializer.SyntaxTree) return null;
        IOperation? value = model.GetOperation(initializer, cancellationToken);
        return value is null ? OfStackAlloc(initializer, model, cancellationToken) : Of(value, cancellationToken, depth + 1);
    }

    private static bool IsReassigned(ILocalSymbol local, SyntaxNode scope, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (SyntaxNode node in scope.DescendantNodes())
        {
            ExpressionSyntax? target = node switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left,
                ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.RefKeyword or (int)SyntaxKind.OutKeyword } argument => argument.Expression,
                _ => null,
            };
            if (target is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == local.Name &&
                SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                return true;
        }
        return false;
    }
}
