using IrohSocial.Fuzz;

namespace IrohSocial.Hardening.Tests.Corpus;

/// <summary>
/// Replays every checked-in corpus file (fuzz/corpus/TARGET/*) through its fuzz target as an ordinary test,
/// so what the fuzzer once found keeps being checked in CI without a fuzzer.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly string CorpusRoot = Path.Combine(AppContext.BaseDirectory, "corpus");

    public static TheoryData<string, string> CorpusFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var directory in Directory.EnumerateDirectories(CorpusRoot).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(directory), Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void CorpusFile_RunsThroughItsTarget_WithoutFinding(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(CorpusRoot, target, file));
        FuzzTargets.Get(target).Run(input);
    }

    [Fact]
    public void EveryTarget_HasASeedCorpus_AndEveryCorpusFolder_HasATarget()
    {
        var folders = Directory.EnumerateDirectories(CorpusRoot).Select(Path.GetFileName).Order().ToArray();
        var targets = FuzzTargets.All.Select(t => t.Name).Order().ToArray();
        Assert.Equal(targets, folders);
        foreach (var folder in folders)
        {
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(CorpusRoot, folder!), "seed-*"));
        }
    }

    [Fact]
    public void TargetNames_AreUnique()
    {
        var names = FuzzTargets.All.Select(t => t.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
    }
}
