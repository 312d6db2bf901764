using IrohSocial.Storage.Sqlite.Internal;

namespace IrohSocial.Fuzz.Targets;

/// <summary>
/// Targets for the SQLite store's own byte layouts (schema 5): the values it seals. They open only under the identity's
/// key, so only a bug or a stolen key can feed them garbage; they must still refuse it cleanly.
/// </summary>
internal static class StorageTargets
{
    public const byte TimeKind = 0;
    public const byte ScheduleKind = 1;
    public const byte CallKind = 2;

    public static IEnumerable<FuzzTarget> All =>
    [
        new("store-row", "RowCodec.TryDecodeTime / TryDecodeSchedule / LegacyCallRow.TryDecode (first byte picks one) on an opened sealed value; nothing may throw, and whatever decodes re-encodes to the same bytes.", StoreRow),
    ];

    private static void StoreRow(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var data = input[1..];
        switch (input[0] % 3)
        {
            case TimeKind:
                if (RowCodec.TryDecodeTime(data, out var ms))
                {
                    FuzzInvariantException.Check(RowCodec.EncodeTime(ms).AsSpan().SequenceEqual(data), "a time re-encodes to its bytes");
                }

                break;
            case ScheduleKind:
                if (RowCodec.TryDecodeSchedule(data, out var created, out var attempts, out var next))
                {
                    FuzzInvariantException.Check(RowCodec.EncodeSchedule(created, attempts, next).AsSpan().SequenceEqual(data), "a schedule re-encodes to its bytes");
                }

                break;
            default:
                if (LegacyCallRow.TryDecode(data) is { } call)
                {
                    FuzzInvariantException.Check(call.Encode().AsSpan().SequenceEqual(data), "a call row re-encodes to its bytes");
                }

                break;
        }
    }
}
