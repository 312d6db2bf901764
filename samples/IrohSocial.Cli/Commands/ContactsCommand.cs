using System.CommandLine;
using System.Text.Json.Nodes;

namespace IrohSocial.Cli.Commands;

/// <summary>
/// <c>irohsocial contacts add NAME TICKET | list | remove NAME</c>: names that every command accepts in place of
/// a ticket or id.
/// </summary>
internal static class ContactsCommand
{
    public static Command Create(CliConsole console, GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "A name: letters, digits, '-', '_', '.'; starting with a letter." };
        var ticket = new Argument<string>("TICKET") { Description = "The peer's ticket." };
        var addJson = CommonOptions.Json();
        var add = new Command("add", "Name a peer (replaces a contact of the same name).") { name, ticket, addJson };
        add.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(addJson), async () =>
        {
            var address = PeerArgument.ParseTicket(parse.GetValue(ticket)!);
            await using var node = await global.OpenAsync(parse, console, ct);
            if (address.Id == node.Key.PublicKey)
            {
                throw new CliException("that is your own ticket.");
            }

            var contactName = parse.GetValue(name)!;
            var previous = node.Contacts.Set(contactName, address);
            new Output(console.Out, parse.GetValue(addJson)).Write(
                previous is null ? $"added {contactName} ({address.Id.ToShortString()})" : $"updated {contactName} ({previous.Id.ToShortString()} -> {address.Id.ToShortString()})",
                new JsonObject { ["type"] = "contact_added", ["name"] = contactName, ["id"] = address.Id.ToString(), ["replaced"] = previous is not null });
            return ExitCodes.Success;
        }, ct));

        var listJson = CommonOptions.Json();
        var list = new Command("list", "List contacts.") { listJson };
        list.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(listJson), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var output = new Output(console.Out, parse.GetValue(listJson));
            var contacts = node.Contacts.Load();
            foreach (var c in contacts)
            {
                output.Write(
                    $"{c.Name,-16} {c.Id.ToShortString()}  {string.Join(' ', c.Address.DirectAddresses)}",
                    new JsonObject { ["type"] = "contact", ["name"] = c.Name, ["id"] = c.Id.ToString(), ["ticket"] = c.Address.ToTicket() });
            }

            if (contacts.Count == 0 && !output.Json)
            {
                await console.Out.WriteLineAsync("no contacts yet; `irohsocial contacts add NAME TICKET`");
            }

            return ExitCodes.Success;
        }, ct));

        var removeName = new Argument<string>("NAME") { Description = "The contact to forget (messages stay)." };
        var removeJson = CommonOptions.Json();
        var remove = new Command("remove", "Forget a contact's name (its messages stay).") { removeName, removeJson };
        remove.SetAction((parse, ct) => IrohSocialCli.GuardAsync(console, parse.GetValue(removeJson), async () =>
        {
            await using var node = await global.OpenAsync(parse, console, ct);
            var contactName = parse.GetValue(removeName)!;
            if (!node.Contacts.Remove(contactName))
            {
                throw new CliException($"no contact named '{contactName}'.");
            }

            new Output(console.Out, parse.GetValue(removeJson)).Write($"removed {contactName}", new JsonObject { ["type"] = "contact_removed", ["name"] = contactName });
            return ExitCodes.Success;
        }, ct));
        return new Command("contacts", "Name peers, so commands accept NAME instead of a ticket.") { add, list, remove };
    }
}
