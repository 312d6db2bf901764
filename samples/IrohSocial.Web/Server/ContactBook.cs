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
/// The user's contacts, kept in <c>contacts.json</c> in the data folder. The SDK remembers addresses of peers it has
/// messaged; names and peers not yet messaged are the app's business, so they live here.
/// </summary>
public sealed class ContactBook
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Contact> _contacts;

    public ContactBook(string dataDirectory)
    {
        _path = Path.Combine(dataDirectory, "contacts.json");
        _contacts = File.Exists(_path)
            ? (JsonSerializer.Deserialize<List<Contact>>(File.ReadAllText(_path)) ?? []).ToDictionary(c => c.Id)
            : [];
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
            var temp = _path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(_contacts.Values.ToList()));
            File.Move(temp, _path, overwrite: true);
        }

        return contact;
    }
}
