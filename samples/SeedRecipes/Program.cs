using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using SeedRecipes;

// The seed articles' worked examples (samples/SeedRecipes/README.md), each trained as its recipe says, with the figure
// the article claims next to the one measured here.
//   dotnet run -c Release --project samples/SeedRecipes [-- --seeds N] [--data DIR]     (-- --help for the options)

var seedsOption = new Option<int>("--seeds")
{
    Description = "Run every recipe with seeds 1..N (the weights' initialisation, the shuffle, the split, the synthetic data).",
    DefaultValueFactory = _ => 5,
};
seedsOption.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 1) result.AddError($"--seeds must be at least 1; found {result.GetValueOrDefault<int>()}.");
});
var dataOption = new Option<string>("--data")
{
    Description = "The directory of Fashion-MNIST's four IDX files (Debian's dataset-fashion-mnist).",
    DefaultValueFactory = _ => FashionMnist.DefaultDirectory,
};
var command = new RootCommand("The seed articles' worked examples, trained here: the figure each claims next to the one measured.")
{
    seedsOption, dataOption,
};
command.SetAction(parsed => Run(parsed.GetValue(seedsOption), parsed.GetValue(dataOption)!));
return command.Parse(args).Invoke();

static int Run(int seeds, string dataDirectory)
{
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
}
