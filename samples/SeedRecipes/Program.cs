using System;
using System.Collections.Generic;
using System.Diagnostics;
using SeedRecipes;

// The seed articles' worked examples (samples/SeedRecipes/README.md), each trained as its recipe says, with the figure
// the article claims next to the one measured here.
//   dotnet run -c Release --project samples/SeedRecipes [-- --seeds N] [--data DIR]
//     --seeds N   seeds 1..N for every recipe (default 5): the weights' initialisation, the shuffle, the split and the
//                 synthetic data
//     --data DIR  Fashion-MNIST's IDX files (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)

int seeds = 5;
string dataDirectory = FashionMnist.DefaultDirectory;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--seeds": seeds = int.Parse(Value()); break;
        case "--data": dataDirectory = Value(); break;
        case "-h" or "--help":
            Console.WriteLine("usage: SeedRecipes [--seeds N] [--data DIR]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --seeds or --data.");
            return 2;
    }
}
if (seeds < 1)
{
    Console.Error.WriteLine($"--seeds must be at least 1; found {seeds}.");
    return 2;
}

var clock = Stopwatch.StartNew();
var results = new List<RecipeResult>
{
    Recipes.ArticleBinary(seeds, freshSamples: 100_000, Console.Out),
    Recipes.DigitsUci(seeds, Console.Out),
};
if (FashionMnist.IsPresent(dataDirectory))
{
    FashionMnist fashion = FashionMnist.Load(dataDirectory);
    results.Add(Recipes.FashionMlp(fashion, seeds, epochs: 5, Console.Out));
    results.Add(Recipes.FashionBinary(fashion, seeds, epochs: 10, Console.Out));
}
else
{
    Console.WriteLine($"Fashion-MNIST not found in {dataDirectory} (apt-get install dataset-fashion-mnist, or --data DIR): " +
                      "skipping recipes 2b and 3.");
    Console.WriteLine();
}

Console.WriteLine(SummaryTable.Render(results));
Console.WriteLine($"All recipes in {clock.Elapsed.TotalSeconds:F0} s.");
bool passed = results.TrueForAll(r => r.Passed);
foreach (RecipeResult r in results)
    if (!r.Passed) Console.WriteLine($"FAILED: {r.Recipe}: {r.Accuracy:P2} is below the sample's smoke bar of {r.Bar:P0}.");
return passed ? 0 : 1;
