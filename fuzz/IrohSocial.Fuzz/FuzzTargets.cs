using IrohSocial.Fuzz.Targets;

namespace IrohSocial.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>All targets, in the order `IrohSocial.Fuzz list` prints them.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        .. RatchetTargets.All,
        .. VideoTargets.All,
        .. MediaTargets.All,
        .. TransportTargets.All,
        .. MessagingTargets.All,
        .. StorageTargets.All,
    ];

    /// <summary>Finds a target by its name.</summary>
    /// <exception cref="ArgumentException">No target has that name.</exception>
    public static FuzzTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"Unknown fuzz target '{name}'.", nameof(name));
}
