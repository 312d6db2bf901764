using BenchmarkDotNet.Running;

// Run all suites, or filter: dotnet run -c Release --project benchmarks/IrohSocial.Benchmarks -- --filter '*Ratchet*'
if (args is ["--transport-paired", .. var pairedArgs])
{
    await IrohSocial.Benchmarks.Transport.TransportPairedRun.RunAsync(pairedArgs);
    return;
}

if (args is ["--quic-paired", .. var quicPairedArgs] && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()))
{
    await IrohSocial.Benchmarks.Transport.TransportPairedRun.RunQuicAsync(quicPairedArgs);
    return;
}

if (args is ["--search-harness", .. var searchArgs])
{
    await IrohSocial.Benchmarks.Messaging.SearchHarness.RunAsync(searchArgs);
    return;
}

if (args is ["--relay-load", .. var loadArgs])
{
    await IrohSocial.Benchmarks.Relay.RelayLoadHarness.RunAsync(loadArgs);
    return;
}

if (args is ["--relay-cpu", .. var cpuArgs])
{
    await IrohSocial.Benchmarks.Relay.RelayCpuHarness.RunAsync(cpuArgs);
    return;
}

if (args is ["--relay-load-host"])
{
    await IrohSocial.Benchmarks.Relay.RelayLoadHarness.HostAsync();
    return;
}

if (args is ["--ratchet-paired", .. var ratchetArgs])
{
    IrohSocial.Benchmarks.Crypto.RatchetPairedRun.Run(ratchetArgs);
    return;
}

if (args is ["--history-harness", .. var historyArgs])
{
    await IrohSocial.Benchmarks.Messaging.BigHistoryHarness.RunAsync(historyArgs);
    return;
}

if (args is ["--call-harness", .. var callArgs])
{
    await IrohSocial.Benchmarks.Calls.CallLatencyHarness.RunAsync(callArgs);
    return;
}

if (args is ["--busy-spin", var spinSeconds])
{
    IrohSocial.Benchmarks.Calls.BusySpinner.Spin(int.Parse(spinSeconds, System.Globalization.CultureInfo.InvariantCulture));
    return;
}

if (args is ["--dm-harness", .. var dmArgs])
{
    await IrohSocial.Benchmarks.Messaging.DurableDeliveryHarness.RunAsync(dmArgs);
    return;
}

if (args is ["--many-peers", .. var manyPeersArgs])
{
    await IrohSocial.Benchmarks.Messaging.ManyPeersHarness.RunAsync(manyPeersArgs);
    return;
}

if (args is ["--many-peers-clients", .. var manyClientsArgs])
{
    await IrohSocial.Benchmarks.Messaging.ManyPeersClients.RunAsync(manyClientsArgs);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
