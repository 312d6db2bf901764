using BenchmarkDotNet.Running;

// Run all suites, or filter: dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*Ratchet*'
if (args is ["--transport-paired", .. var pairedArgs])
{
    await IrohSocial.Benchmarks.Transport.TransportPairedRun.RunAsync(pairedArgs);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
