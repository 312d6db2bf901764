namespace IrohSocial.IntegrationTests.Soak;

/// <summary>Message text of the soak: <c>FROM&gt;TO#SEQ</c>, so any receiver can check order and uniqueness.</summary>
internal static class SoakContent
{
    public static string Format(string from, string to, int sequence) => $"{from}>{to}#{sequence}";

    public static bool TryParse(string content, out string from, out string to, out int sequence)
    {
        from = to = "";
        sequence = -1;
        var arrow = content.IndexOf('>');
        var hash = content.IndexOf('#');
        if (arrow <= 0 || hash <= arrow + 1 || !int.TryParse(content.AsSpan(hash + 1), out sequence))
        {
            return false;
        }

        from = content[..arrow];
        to = content[(arrow + 1)..hash];
        return true;
    }
}
