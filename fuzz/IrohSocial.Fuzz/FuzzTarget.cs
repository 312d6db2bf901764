namespace IrohSocial.Fuzz;

/// <summary>Runs one input through a parser. Must return normally for every input, valid or not.</summary>
public delegate void FuzzAction(ReadOnlySpan<byte> input);

/// <summary>
/// One fuzz target: a parser an attacker can reach plus the invariants checked on its result.
/// Any exception other than the parser's documented "bad input" error is a finding.
/// </summary>
/// <param name="Name">The name given on the command line and used as the corpus folder (fuzz/corpus/NAME).</param>
/// <param name="Description">What the target feeds and checks.</param>
/// <param name="Run">The harness.</param>
public sealed record FuzzTarget(string Name, string Description, FuzzAction Run);
