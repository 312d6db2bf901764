using System.Text.Json.Serialization;
using IrohSocial.Messaging.Records;

namespace IrohSocial.Messaging.Tests.Support;

/// <summary>An extension record kind for tests: a note with a score.</summary>
internal sealed record NoteBody(string Text, int Score);

[JsonSerializable(typeof(NoteBody))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class TestRecordJsonContext : JsonSerializerContext;

internal static class TestRecords
{
    public static RecordKind<NoteBody> NewNoteKind() => new("test.note", TestRecordJsonContext.Default.NoteBody);
}
