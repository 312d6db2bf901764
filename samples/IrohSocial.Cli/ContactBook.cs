using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Cli;

/// <summary>A named peer.</summary>
/// <param name="Name">What the user types instead of the ticket.</param>
/// <param name="Address">The peer's id and addresses (from its ticket).</param>
public sealed record Contact(string Name, EndpointAddr Address)
{
    /// <summary>The peer's id.</summary>
    public EndpointId Id => Address.Id;
}

/// <summary>
/// Names for peers, kept sealed in <c>contacts.sealed</c> in the data folder: names, ids and tickets (IP addresses)
/// are the user's social graph, so the file is JSON sealed with the store's <see cref="AtRestSealer"/>
/// (XChaCha20-Poly1305 under a key derived from the identity), bound to its purpose. Written owner-only to a temporary
/// file and moved into place, so a crash never leaves half a file. A clear <c>contacts.json</c> of an older version
/// is imported on first use and then overwritten and deleted.
/// </summary>
public sealed partial class ContactBook(string dataDirectory, AtRestSealer sealer)
{
    /// <summary>The sealed file's name in the data folder.</summary>
    public const string FileName = "contacts.sealed";

    /// <summary>The clear file of older versions, migrated on first use.</summary>
    public const string LegacyFileName = "contacts.json";

    private static readonly byte[] Binding = "irohsocial-cli/contacts/1"u8.ToArray();

    /// <summary>The sealed file.</summary>
    public string Path => System.IO.Path.Combine(dataDirectory, FileName);

    private string LegacyPath => System.IO.Path.Combine(dataDirectory, LegacyFileName);

    /// <summary>Every contact, sorted by name.</summary>
    /// <exception cref="CliException">The file is not a contact list (or was sealed under another identity).</exception>
    public IReadOnlyList<Contact> Load()
    {
        MigrateLegacyFile();
        return [.. Read().OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>Adds or replaces <paramref name="name"/>; returns the contact it replaced, if any.</summary>
    /// <exception cref="CliException">The name could be mistaken for a ticket or an id, or has odd characters.</exception>
    public Contact? Set(string name, EndpointAddr address)
    {
        ValidateName(name);
        var contacts = Load().ToDictionary(c => c.Name, StringComparer.Ordinal);
        contacts.TryGetValue(name, out var previous);
        contacts[name] = new Contact(name, address);
        Save(contacts.Values);
        return previous;
    }

    /// <summary>Removes <paramref name="name"/>; false when there was none.</summary>
    public bool Remove(string name)
    {
        var contacts = Load().ToList();
        if (contacts.RemoveAll(c => c.Name == name) == 0)
        {
            return false;
        }

        Save(contacts);
        return true;
    }

    private List<Contact> Read()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        if (!sealer.TryOpen(File.ReadAllBytes(Path), Binding, out var json))
        {
            throw new CliException($"{Path} does not open with this identity (altered, or from another data folder); delete it to start a new contact list.");
        }

        try
        {
            return Parse(json, Path);
        }
        finally
        {
            Array.Clear(json);
        }
    }

    private static List<Contact> Parse(byte[] json, string source)
    {
        try
        {
            var root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("empty");
            var result = new List<Contact>();
            foreach (var (name, value) in root)
            {
                var ticket = value?.GetValue<string>() ?? throw new FormatException($"no ticket for {name}");
                result.Add(new Contact(name, EndpointAddr.ParseTicket(ticket)));
            }

            return result;
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new CliException($"{source} is not a contact list ({ex.Message}); fix or delete it.", ex);
        }
    }

    /// <summary>
    /// Imports a clear <c>contacts.json</c> (a contact already in the sealed list keeps its sealed entry), then overwrites
    /// it with zeros and deletes it. Best effort against recovery: a copy-on-write or journaling file system or an SSD may
    /// still hold the old blocks.
    /// </summary>
    private void MigrateLegacyFile()
    {
        if (!File.Exists(LegacyPath))
        {
            return;
        }

        var legacy = Parse(File.ReadAllBytes(LegacyPath), LegacyPath);
        var merged = Read().ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var contact in legacy)
        {
            merged.TryAdd(contact.Name, contact);
        }

        Save(merged.Values);
        SecureDelete(LegacyPath);
    }

    private void Save(IEnumerable<Contact> contacts)
    {
        var root = new JsonObject();
        foreach (var c in contacts.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            root[c.Name] = c.Address.ToTicket();
        }

        var json = System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
        var sealedBytes = sealer.Seal(json, Binding);
        Array.Clear(json);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var temporary = Path + ".tmp";
        using (var file = new FileStream(temporary, options))
        {
            file.Write(sealedBytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private static void SecureDelete(string path)
    {
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Write(new byte[file.Length]);
            file.Flush(flushToDisk: true);
        }

        File.Delete(path);
    }

    private static void ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new CliException($"'{name}' is not a usable contact name: use 1-32 letters, digits, '-', '_' or '.', starting with a letter.");
        }

        if (name.StartsWith(EndpointAddr.TicketPrefix, StringComparison.Ordinal) || HexPattern().IsMatch(name))
        {
            throw new CliException($"'{name}' looks like a ticket or an id prefix; pick a name that does not.");
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{0,31}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-fA-F]+$")]
    private static partial Regex HexPattern();
}
