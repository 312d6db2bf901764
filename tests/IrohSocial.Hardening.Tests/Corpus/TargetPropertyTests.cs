using CsCheck;
using IrohSocial.Fuzz;

namespace IrohSocial.Hardening.Tests.Corpus;

/// <summary>
/// A small in-CI fuzzer: CsCheck feeds every target random bytes and mutated seeds (bit flips, truncation,
/// splices), shrinking any failure to a minimal input. The long runs are fuzz/run.sh's job.
/// </summary>
public sealed class TargetPropertyTests
{
    private static readonly string CorpusRoot = Path.Combine(AppContext.BaseDirectory, "corpus");

    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (var target in FuzzTargets.All)
        {
            data.Add(target.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_AcceptsRandomBytes(string name)
    {
        var target = FuzzTargets.Get(name);
        Gen.Byte.Array[0, 600].Sample(bytes => target.Run(bytes), iter: Iterations(name));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_AcceptsMutatedSeeds(string name)
    {
        var target = FuzzTargets.Get(name);
        var seeds = Directory.EnumerateFiles(Path.Combine(CorpusRoot, name), "seed-*").Select(File.ReadAllBytes).Where(s => s.Length > 0).ToArray();
        var mutated =
            from seed in Gen.OneOfConst(seeds)
            from flips in Gen.Int[0, 7].Array[0, 4]
            from bits in Gen.Int.Array[4]
            from cut in Gen.Int[0, seed.Length]
            from truncate in Gen.Bool
            select Mutate(seed, flips, bits, truncate ? cut : seed.Length);
        mutated.Sample(bytes => target.Run(bytes), iter: Iterations(name));
    }

    private static long Iterations(string name) => name is "mux-frames" or "ratchet-decrypt" ? 150 : 600;

    private static byte[] Mutate(byte[] seed, int[] flips, int[] bits, int length)
    {
        var copy = seed[..length];
        for (var i = 0; i < flips.Length && copy.Length > 0; i++)
        {
            var position = (int)((uint)bits[i] % (uint)copy.Length);
            copy[position] ^= (byte)(1 << flips[i]);
        }

        return copy;
    }
}
