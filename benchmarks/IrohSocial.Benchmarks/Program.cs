using BenchmarkDotNet.Running;

// Run all suites, or filter: dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*Ratchet*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
