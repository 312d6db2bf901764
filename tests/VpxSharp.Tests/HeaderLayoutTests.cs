using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace VpxSharp.Tests;

/// <summary>
/// Compiles a C probe against the installed vpx/*.h with gcc and checks that every bound struct's size and every field
/// offset (recursively through nested structs and unions), every enum member and every constant equal the C compiler's.
/// </summary>
public sealed class HeaderLayoutTests
{
    public HeaderLayoutTests() => IrohSocial.Tests.Shared.NativeRequirements.LibvpxHeadersAndGcc();

    private static readonly Type[] BoundStructs = typeof(Vpx).Assembly.GetTypes()
        .Where(t => t.IsValueType && !t.IsEnum && t.Namespace == "VpxSharp" && t.IsPublic && t.Name.EndsWith("_t", StringComparison.Ordinal)
            && t.Name != "vpx_codec_iface_t") // opaque in C: only ever used through pointers
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    private static readonly Lazy<IReadOnlyDictionary<string, long>> Probe = new(RunProbe);

    public static TheoryData<string> StructNames() => new(BoundStructs.Select(t => t.Name));

    public static TheoryData<string> EnumNames() => new(typeof(Vpx).Assembly.GetTypes()
        .Where(t => t.IsEnum && t.IsPublic && t.Namespace == "VpxSharp").Select(t => t.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void BoundStructs_CoverTheStructsTheApiTakes()
    {
        string[] required =
        [
            "vpx_image_t", "vpx_image_rect_t", "vpx_codec_ctx_t", "vpx_codec_enc_cfg_t", "vpx_codec_cx_pkt_t", "vpx_fixed_buf_t",
            "vpx_rational_t", "vpx_codec_dec_cfg_t", "vpx_codec_stream_info_t", "vpx_scaling_mode_t",
        ];
        Assert.Empty(required.Except(BoundStructs.Select(t => t.Name)));
    }

    [Theory]
    [MemberData(nameof(StructNames))]
    public void Struct_SizeAndEveryFieldOffset_MatchTheCCompiler(string name)
    {
        var type = BoundStructs.Single(t => t.Name == name);
        var c = Probe.Value;
        var mismatches = new List<string>();

        long size = Marshal.SizeOf(type);
        long unsafeSize = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
        if (size != c[$"size {name}"] || unsafeSize != size)
        {
            mismatches.Add($"sizeof: C {c[$"size {name}"]}, Marshal {size}, Unsafe {unsafeSize}");
        }

        var checkedFields = 0;
        foreach (var (path, offset) in FieldOffsets(type, "", 0))
        {
            checkedFields++;
            if (!c.TryGetValue($"offset {name} {path}", out var expected))
            {
                mismatches.Add($"{path}: missing from probe");
            }
            else if (expected != offset)
            {
                mismatches.Add($"{path}: C {expected}, C# {offset}");
            }
        }

        Assert.True(checkedFields > 0);
        Assert.Empty(mismatches);
    }

    [Theory]
    [MemberData(nameof(EnumNames))]
    public void Enum_EveryMember_MatchesTheHeader(string name)
    {
        var type = typeof(Vpx).Assembly.GetTypes().Single(t => t.IsEnum && t.Name == name);
        var c = Probe.Value;
        foreach (var member in Enum.GetNames(type))
        {
            var value = Convert.ToInt64(Enum.Parse(type, member), CultureInfo.InvariantCulture);
            Assert.Equal((member, c[$"const {member}"]), (member, value));
        }
    }

    [Fact]
    public void Constants_EveryConstant_MatchesTheHeader()
    {
        var c = Probe.Value;
        var constants = ConstantFields().ToList();
        Assert.Contains(constants, f => f.Name == "VPX_ENCODER_ABI_VERSION");
        foreach (var field in constants)
        {
            var value = Convert.ToInt64(field.GetRawConstantValue(), CultureInfo.InvariantCulture);
            Assert.Equal((field.Name, c[$"const {field.Name}"]), (field.Name, value));
        }
    }

    private static IEnumerable<FieldInfo> ConstantFields() =>
        typeof(Vpx).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral);

    // Walks a struct's fields; nested bound structs (names starting with "vpx_" or "vp8") are descended into so that
    // e.g. vpx_codec_cx_pkt_t's data.frame.sz is compared with offsetof(vpx_codec_cx_pkt_t, data.frame.sz).
    private static IEnumerable<(string Path, long Offset)> FieldOffsets(Type type, string prefix, long baseOffset)
    {
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var offset = baseOffset + Marshal.OffsetOf(type, field.Name).ToInt64();
            var path = prefix + field.Name;
            yield return (path, offset);
            var fieldType = field.FieldType;
            var isNestedBoundStruct = fieldType.IsValueType && !fieldType.IsEnum && !fieldType.IsPrimitive && !fieldType.IsPointer
                && fieldType.Namespace == "VpxSharp" && fieldType.IsPublic && fieldType.Name != "vpx_image_planes";
            if (isNestedBoundStruct)
            {
                foreach (var nested in FieldOffsets(fieldType, path + ".", offset))
                {
                    yield return nested;
                }
            }
        }
    }

    private static IReadOnlyDictionary<string, long> RunProbe()
    {
        var source = new StringBuilder();
        source.AppendLine("#include <stdio.h>\n#include <stddef.h>");
        source.AppendLine("#include <vpx/vpx_encoder.h>\n#include <vpx/vpx_decoder.h>\n#include <vpx/vp8cx.h>\n#include <vpx/vp8dx.h>");
        source.AppendLine("int main(void) {");
        foreach (var type in BoundStructs)
        {
            source.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"size {type.Name} %zu\\n\", sizeof({type.Name}));");
            foreach (var (path, _) in FieldOffsets(type, "", 0))
            {
                source.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"offset {type.Name} {path} %zu\\n\", offsetof({type.Name}, {path}));");
            }
        }

        var names = typeof(Vpx).Assembly.GetTypes().Where(t => t.IsEnum && t.IsPublic).SelectMany(Enum.GetNames)
            .Concat(ConstantFields().Select(f => f.Name)).Distinct();
        foreach (var name in names)
        {
            source.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"const {name} %lld\\n\", (long long)({name}));");
        }

        source.AppendLine("  return 0;\n}");

        var dir = Directory.CreateTempSubdirectory("vpx-probe-");
        try
        {
            var cFile = Path.Combine(dir.FullName, "probe.c");
            var exe = Path.Combine(dir.FullName, "probe");
            File.WriteAllText(cFile, source.ToString());
            Run("gcc", $"-std=gnu11 -Wall -Werror -DVPX_DISABLE_CTRL_TYPECHECKS=1 -o {exe} {cFile}");
            var output = Run(exe, "");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(l => l[..l.LastIndexOf(' ')], l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} failed: {stderr}");
        return stdout.Result;
    }
}
