namespace IrohSocial.Hosting.Tests;

/// <summary>
/// Tests that listen process-wide by meter name (OpenTelemetry): another test's host disposing its meters meanwhile
/// ends the same-named instruments' streams in the listener, so these run after the parallel ones, alone.
/// </summary>
[CollectionDefinition(nameof(RunsAloneCollection), DisableParallelization = true)]
public sealed class RunsAloneCollection;
