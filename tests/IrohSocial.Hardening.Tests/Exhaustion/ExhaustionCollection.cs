namespace IrohSocial.Hardening.Tests.Exhaustion;

/// <summary>Resource-exhaustion tests measure the whole process, so they run alone, one after another.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExhaustionCollection
{
    public const string Name = "exhaustion";
}
