namespace IrohSocial.IntegrationTests.Calls.Support;

/// <summary>Tests that judge real-time media quality run one at a time, so they don't starve each other's clocks.</summary>
[CollectionDefinition(nameof(RealTimeMediaCollection), DisableParallelization = true)]
public sealed class RealTimeMediaCollection;
