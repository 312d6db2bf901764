using System.Text.Json;

namespace IrohSocial.Crypto.Tests.Vectors;

/// <summary>
/// Finds the shared vector folder: $IROHSOCIAL_VECTORS, else &lt;repository root&gt;/../shared/vectors.
/// Missing files skip the test (naming scripts/fetch-vectors.sh) unless IROHSOCIAL_REQUIRE_VECTORS=1.
/// </summary>
internal static class VectorFiles
{
    public static JsonDocument Load(string relativePath)
    {
        var folder = FindFolder();
        var path = folder is null ? null : Path.Combine(folder, relativePath);
        if (path is null || !File.Exists(path))
        {
            var message = $"Vector file '{relativePath}' not found (set IROHSOCIAL_VECTORS or place ../shared/vectors next to the repository; "
                + "scripts/fetch-vectors.sh downloads the pinned Wycheproof files and checks their sha256).";
            if (Environment.GetEnvironmentVariable("IROHSOCIAL_REQUIRE_VECTORS") == "1")
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        return JsonDocument.Parse(File.ReadAllBytes(path));
    }

    private static string? FindFolder()
    {
        var fromEnv = Environment.GetEnvironmentVariable("IROHSOCIAL_VECTORS");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? fromEnv : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IrohSocial.Sdk.sln")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "vectors"));
                return Directory.Exists(shared) ? shared : null;
            }
        }

        return null;
    }

    public static byte[] Hex(this JsonElement element, string name) => Convert.FromHexString(element.GetProperty(name).GetString()!);

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    /// <summary>Every Wycheproof test case with its group, checking numberOfTests against the count.</summary>
    public static List<(JsonElement Group, JsonElement Test)> WycheproofCases(JsonDocument doc)
    {
        var cases = new List<(JsonElement, JsonElement)>();
        foreach (var group in doc.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                cases.Add((group, test));
            }
        }

        Assert.Equal(doc.RootElement.GetProperty("numberOfTests").GetInt32(), cases.Count);
        return cases;
    }
}
