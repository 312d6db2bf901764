using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Transport;

namespace IrohSocial.Web.Server;

/// <summary>A contact: a peer added by its ticket, with a display name.</summary>
public sealed record Contact(string Id, string Name, string Ticket)
{
    /// <summary>The contact's address.</summary>
    public EndpointAddr ToAddress() => EndpointAddr.ParseTicket(Ticket);
}

/// <summary>
/// The user's contacts, kept sealed in <c>contacts.sealed</c> in the data folder (names, ids and tickets with IP
/// addresses are the user's social graph: JSON sealed with the identity's <see cref="AtRestSealer"/>). The SDK remembers
/// addresses of peers it has messaged; names and peers not yet messaged are the app's business, so they live here. A
/// clear <c>contacts.json</c> of an older version is imported when the book opens, then overwritten and deleted.
/// </summary>
public sealed class ContactBook
{
    /// <summary>The sealed file's name in the data folder.</summary>
    public const string FileName = "contacts.sealed";

    /// <summary>The clear file of older versions.</summary>
    public const string LegacyFileName = "contacts.json";

    private static readonly byte[] Binding = "irohsocial-web/contacts/1"u8.ToArray();

    private readonly string _path;
    private readonly AtRestSealer _sealer;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Contact> _contacts;

    /// <exception cref="InvalidDataException">The sealed file does not open with this identity.</exception>
    public ContactBook(string dataDirectory, AtRestSealer sealer)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _sealer = sealer;
        _contacts = [];
        if (File.Exists(_path))
        {
            var json = SealedFile.Read(_path, sealer, Binding) ?? throw new InvalidDataException($"{_path} does not open with this identity; delete it to start a new contact list.");
            _contacts = Parse(json);
            Array.Clear(json);
        }

        var legacy = Path.Combine(dataDirectory, LegacyFileName);
        if (File.Exists(legacy))
        {
            foreach (var (id, contact) in Parse(File.ReadAllBytes(legacy)))
            {
                _contacts.TryAdd(id, contact);
            }

            Save();
            SealedFile.SecureDelete(legacy);
        }
    }

    public IReadOnlyList<Contact> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _contacts.Values.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];
            }
        }
    }

    public Contact? Find(EndpointId id)
    {
        lock (_gate)
        {
            return _contacts.GetValueOrDefault(id.ToString());
        }
    }

    public string NameOf(EndpointId id) => Find(id)?.Name ?? id.ToShortString();

    /// <summary>Adds or renames a contact from its ticket.</summary>
    /// <exception cref="FormatException">The ticket does not parse.</exception>
    public Contact Add(string ticket, string? name)
    {
        var address = EndpointAddr.ParseTicket(ticket.Trim());
        var id = address.Id.ToString();
        var contact = new Contact(id, string.IsNullOrWhiteSpace(name) ? address.Id.ToShortString() : name.Trim(), address.ToTicket());
        lock (_gate)
        {
            _contacts[id] = contact;
            Save();
        }

        return contact;
    }

    private static Dictionary<string, Contact> Parse(byte[] json) =>
        (JsonSerializer.Deserialize<List<Contact>>(json) ?? []).ToDictionary(c => c.Id);

    private void Save()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(_contacts.Values.ToList());
        SealedFile.Write(_path, json, _sealer, Binding);
        Array.Clear(json);
    }
}
