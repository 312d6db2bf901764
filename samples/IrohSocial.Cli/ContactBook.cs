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
/// Names for peers, kept in <c>contacts.json</c> in the data folder (plain JSON: tickets are public, and a user may
/// edit it). Written to a temporary file and moved into place, so a crash never leaves half a file.
/// </summary>
public sealed partial class ContactBook(string path)
{
    /// <summary>The file.</summary>
    public string Path => path;

    /// <summary>Every contact, sorted by name.</summary>
    /// <exception cref="CliException">The file is not a contact list.</exception>
    public IReadOnlyList<Contact> Load()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException("empty");
            var result = new List<Contact>();
            foreach (var (name, value) in root)
            {
                var ticket = value?.GetValue<string>() ?? throw new FormatException($"no ticket for {name}");
                result.Add(new Contact(name, EndpointAddr.ParseTicket(ticket)));
            }

            return [.. result.OrderBy(c => c.Name, StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new CliException($"{path} is not a contact list ({ex.Message}); fix or delete it.", ex);
        }
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

    private void Save(IEnumerable<Contact> contacts)
    {
        var root = new JsonObject();
        foreach (var c in contacts.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            root[c.Name] = c.Address.ToTicket();
        }

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, Output.ToJson(root) + "\n");
        File.Move(temporary, path, overwrite: true);
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
