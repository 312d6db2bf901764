using IrohSocial.Fuzz;
using SharpFuzz;

// Usage:
//   IrohSocial.Fuzz list                      print the targets
//   IrohSocial.Fuzz TARGET                    run under AFL++ (SharpFuzz out-of-process mode; what fuzz/run.sh starts)
//   IrohSocial.Fuzz TARGET --libfuzzer        run under libfuzzer-dotnet
//   IrohSocial.Fuzz TARGET --replay PATH...   run files or folders once each, print failures (crash triage)
//   IrohSocial.Fuzz seed CORPUS FIXTURES [GROUP]  (re)write seed corpus and fixtures (all, or one group)
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: IrohSocial.Fuzz list | seed CORPUS FIXTURES | TARGET [--libfuzzer | --replay PATH...]");
    return 2;
}

if (args[0] == "list")
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine($"{t.Name,-20} {t.Description}");
    }

    return 0;
}

if (args[0] == "seed" && args.Length is 3 or 4)
{
    SeedWriter.Write(args[1], args[2], args.Length == 4 ? args[3] : null);
    return 0;
}

var target = FuzzTargets.Get(args[0]);
if (args.Length > 1 && args[1] == "--libfuzzer")
{
    Fuzzer.LibFuzzer.Run(span => target.Run(span));
    return 0;
}

if (args.Length > 1 && args[1] == "--replay")
{
    var failures = 0;
    var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]);
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            failures++;
            Console.WriteLine($"FAIL {file}: {e}");
        }
    }

    Console.WriteLine($"{failures} failure(s)");
    return failures == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
