using System.Text.Json.Serialization.Metadata;

namespace IrohSocial.Messaging.Records;

/// <summary>
/// A kind of record an extension keeps per peer in the client's store (sealed at rest, in backups): a name and the
/// (source-generated) JSON contract of its body. The extension claims the name with
/// <see cref="DmClient.RegisterRecordKind{T}"/>; from then on only that instance reads and writes records of this
/// kind (<see cref="DmClient.SaveRecordAsync{T}"/>, <see cref="DmClient.GetRecordsAsync{T}"/>), so no other code
/// holding the client can write, say, call history.
/// </summary>
/// <typeparam name="T">The body type.</typeparam>
public sealed class RecordKind<T>
    where T : class
{
    /// <summary>Creates a kind.</summary>
    /// <param name="name">1-64 printable ASCII chars with at least one dot, e.g. <c>"call.record"</c>.</param>
    /// <param name="typeInfo">The JSON contract of the body (from a <c>JsonSerializerContext</c>, so it works trimmed and AOT).</param>
    public RecordKind(string name, JsonTypeInfo<T> typeInfo)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (!IsValidName(name))
        {
            throw new ArgumentException("A record kind is 1-64 printable ASCII chars with at least one dot.", nameof(name));
        }

        Name = name;
        TypeInfo = typeInfo;
    }

    /// <summary>The name records of this kind are filed under.</summary>
    public string Name { get; }

    /// <summary>The body's JSON contract.</summary>
    public JsonTypeInfo<T> TypeInfo { get; }

    /// <inheritdoc />
    public override string ToString() => Name;

    internal static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.Contains('.', StringComparison.Ordinal) && !name.Any(c => c is < '!' or > '~');
}
