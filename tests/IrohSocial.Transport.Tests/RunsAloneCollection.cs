namespace IrohSocial.Transport.Tests;

/// <summary>Tests that measure the whole process (file descriptors, handles): they run after the parallel ones, alone.</summary>
[CollectionDefinition(nameof(RunsAloneCollection), DisableParallelization = true)]
public sealed class RunsAloneCollection;
