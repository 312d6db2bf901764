namespace IrohSocial.Fuzz;

/// <summary>
/// A target's oracle failed: the parser returned normally but broke a property it promises
/// (round trip, state untouched after a failed decrypt, ...). The fuzzer reports it as a crash.
/// </summary>
public sealed class FuzzInvariantException : Exception
{
    /// <summary>Creates the exception with a message naming the broken property.</summary>
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Throws when <paramref name="condition"/> is false.</summary>
    public static void Check(bool condition, string property)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(property);
        }
    }
}
