using System.Reflection;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Text.RegularExpressions;
using IrohSocial.Crypto;

namespace IrohSocial.Hardening.Tests.Packaging;

/// <summary>
/// The symbols that ship in the .snupkg files (Release builds) name no build machine's folders and map every
/// source file to the repository at the built commit (Source Link), so a debugger can step into the SDK.
/// </summary>
public sealed partial class SymbolTests
{
    // Source Link's custom debug information kind (Portable PDB spec).
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public void ReleaseSymbols_HaveDeterministicPathsAndSourceLinkToTheCommit()
    {
        var assembly = typeof(SecretKey).Assembly;
        if (assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration != "Release")
        {
            Assert.Skip("Source paths are mapped in Release builds (what is packed); this is a Debug build.");
        }

        var pdb = Path.ChangeExtension(assembly.Location, ".pdb");
        using var stream = File.OpenRead(pdb);
        using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
        var reader = provider.GetMetadataReader();

        var documents = reader.Documents.Select(h => reader.GetString(reader.GetDocument(h).Name)).ToList();
        Assert.NotEmpty(documents);
        Assert.All(documents.Where(d => !d.EndsWith(".g.cs", StringComparison.Ordinal)), d => Assert.StartsWith("/_/src/IrohSocial.Crypto/", d, StringComparison.Ordinal));

        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => reader.GetBlobBytes(c.Value))
            .Single();
        using var json = JsonDocument.Parse(sourceLink);
        var map = json.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Matches(RepositoryAtCommit(), map["/_/*"]);
    }

    [GeneratedRegex("^https://raw\\.githubusercontent\\.com/[^/]+/[^/]+/[0-9a-f]{40}/\\*$")]
    private static partial Regex RepositoryAtCommit();
}
