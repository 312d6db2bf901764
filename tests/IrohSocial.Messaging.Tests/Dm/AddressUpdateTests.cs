using System.Net;
using System.Text.Json.Serialization;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Tests.Support;
using IrohSocial.Transport;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>A hostile or broken <c>peer.address</c> body, as a peer could send it.</summary>
public sealed record RawAddressBody(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("direct")] IReadOnlyList<string>? Direct,
    [property: JsonPropertyName("relays")] IReadOnlyList<string>? Relays,
    [property: JsonPropertyName("issued_ms")] long IssuedMs,
    [property: JsonPropertyName("mailbox")] string? Mailbox,
    [property: JsonPropertyName("future")] string? Future = null);

[JsonSerializable(typeof(RawAddressBody))]
public sealed partial class RawAddressJsonContext : JsonSerializerContext;

/// <summary>The encrypted address update: sent when our address changed, applied by contacts, bad bodies ignored.</summary>
public sealed class AddressUpdateTests
{
    private static readonly ControlKind<RawAddressBody> RawUpdate = new("peer.address", RawAddressJsonContext.Default.RawAddressBody);

    [Fact]
    public async Task Restart_OnANewPort_TellsContacts_AndTheyReachTheNewAddress()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var first = await alice.C.SendMessageAsync(bob.Address, "hello");
        await Eventually.WaitAsync(async () => (await alice.Store.GetMessageAsync(first))?.Status == IrohSocial.Messaging.Storage.MessageStatus.Delivered, "first delivered");
        var reply = await bob.C.SendMessageAsync(alice.Id, "hi back");
        await Eventually.WaitAsync(async () => (await bob.Store.GetMessageAsync(reply))?.Status == IrohSocial.Messaging.Storage.MessageStatus.Delivered, "reply delivered");

        // Alice comes back on another port: her contacts' stored address is stale, so she tells them.
        await alice.StopAsync();
        var newPort = Testing.TestTransport.FreePort();
        await alice.StartAsync(configure: o => o with { BindAddress = new IPEndPoint(IPAddress.Loopback, newPort) });
        await Eventually.WaitAsync(
            async () => await bob.Store.GetPeerAddressAsync(alice.Id) is { } t && EndpointAddr.ParseTicket(t).DirectAddresses.Any(a => a.Port == newPort),
            "bob stores alice's new address");
        Assert.Contains(bob.C.GetKnownAddress(alice.Id)!.DirectAddresses, a => a.Port == newPort);

        // Bob's next message finds her there (his outbox dials the new address).
        await bob.StopAsync();
        await bob.StartAsync();
        var later = await bob.C.SendMessageAsync(alice.Id, "found you");
        await Eventually.WaitAsync(async () => await alice.Store.GetMessageAsync(later) is not null, "alice receives at her new port");

        // A restart on the same address tells nobody again (4060: "told N contacts our address").
        Assert.Equal(1, alice.Logs.Entries.Count(e => e.Id.Id == 4060));
        await alice.StopAsync();
        await alice.StartAsync(configure: o => o with { BindAddress = new IPEndPoint(IPAddress.Loopback, newPort) });
        Assert.Equal(1, alice.Logs.Entries.Count(e => e.Id.Id == 4060));
        Assert.Empty(await alice.Store.GetOutboxAsync(bob.Id));
    }

    [Theory]
    [InlineData(1, new[] { "not an address", "127.0.0.1:0", "0.0.0.0:5000", "[::]:7" }, new[] { "https://nope" })]
    [InlineData(99, new[] { "127.0.0.1:5000" }, new string[0])]
    [InlineData(1, new string[0], new string[0])]
    public async Task BadUpdate_IsIgnored_TheStoredAddressStays_AndTheSessionGoesOn(int version, string[] direct, string[] relays)
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        await alice.C.SendMessageAsync(bob.Address, "hello");
        await Eventually.WaitAsync(async () => (await bob.Store.GetConversationsAsync()).Count == 1, "bob has the conversation");
        var storedBefore = await bob.Store.GetPeerAddressAsync(alice.Id);

        await alice.C.SendControlAsync(bob.Id, RawUpdate, new RawAddressBody(version, direct, relays, 1, null), ControlDelivery.Immediate);
        Assert.True(bob.Logs.Has(4062));
        Assert.Equal(storedBefore, await bob.Store.GetPeerAddressAsync(alice.Id));

        var next = await alice.C.SendMessageAsync(bob.Id, "still talking");
        await Eventually.WaitAsync(async () => await bob.Store.GetMessageAsync(next) is not null, "the next message arrives");
    }

    [Fact]
    public async Task Update_WithAFieldThisVersionDoesNotKnow_IsApplied()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        await alice.C.SendMessageAsync(bob.Address, "hello");
        var body = new RawAddressBody(1, [$"127.0.0.1:{alice.Port}", "10.1.2.3:4567"], [], 1, null, "a field of the future");

        await alice.C.SendControlAsync(bob.Id, RawUpdate, body, ControlDelivery.Immediate);
        var stored = EndpointAddr.ParseTicket((await bob.Store.GetPeerAddressAsync(alice.Id))!);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, alice.Port), IPEndPoint.Parse("10.1.2.3:4567")], stored.DirectAddresses);
        Assert.Null(stored.RelayUrl);
    }
}

/// <summary>The <c>peer.address</c> body's wire form, pinned as written in docs/protocol.md section 10.7.</summary>
public sealed class AddressUpdateBodyTests
{
    public const string RelayId = "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394";

    /// <summary>A body from before the mailbox member (still what an older sender writes).</summary>
    public const string KnownAnswerV1 =
        "{\"v\":1,\"direct\":[\"192.0.2.7:4433\",\"[2001:db8::1]:4433\"],\"relays\":[\"https://relay.example/#" + RelayId + "\"],\"issued_ms\":1765000000000}";

    public const string MailboxTicket = "irohsocialakats5yovb6rox2wunkgnq2mp3gmxdmksg2o4n5clx3a6w4pzgzziaieyaaaecirkead2lk6f4";

    /// <summary>The body with the sender's mailbox (192.0.2.9:4433, same id as the relay).</summary>
    public const string KnownAnswer =
        "{\"v\":1,\"direct\":[\"192.0.2.7:4433\",\"[2001:db8::1]:4433\"],\"relays\":[\"https://relay.example/#" + RelayId + "\"],\"issued_ms\":1765000000000,\"mailbox\":\"" + MailboxTicket + "\"}";

    private static readonly Crypto.EndpointId Id = Crypto.EndpointId.Parse(RelayId);

    private static readonly EndpointAddr MailboxAddr = new(Id, [IPEndPoint.Parse("192.0.2.9:4433")]);

    private static Internal.Addresses.AddressUpdateBody Read(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, Internal.Addresses.AddressJsonContext.Default.AddressUpdateBody)!;

    [Fact]
    public void For_OwnAddress_SerializesToTheKnownAnswer_AndReadsBack()
    {
        var own = new EndpointAddr(Id, [IPEndPoint.Parse("192.0.2.7:4433"), IPEndPoint.Parse("[2001:db8::1]:4433")]) { Mailbox = MailboxAddr };
        var relay = new RelayAddress(new Uri("https://relay.example/"), Id);
        var body = Internal.Addresses.AddressUpdateBody.For(own, [relay], shareDirect: true, DateTimeOffset.FromUnixTimeMilliseconds(1765000000000));

        var json = System.Text.Json.JsonSerializer.Serialize(body, Internal.Addresses.AddressJsonContext.Default.AddressUpdateBody);
        Assert.Equal(KnownAnswer, json);
        var back = Read(json).ToAddr(Id)!;
        Assert.Equal(own.DirectAddresses, back.DirectAddresses);
        Assert.Equal(relay.ToUri(), back.RelayUrl);
        Assert.Equal(MailboxAddr, back.Mailbox);

        var private_ = Internal.Addresses.AddressUpdateBody.For(own, [relay], shareDirect: false, DateTimeOffset.FromUnixTimeMilliseconds(1765000000000));
        Assert.Empty(private_.Direct!);
        Assert.Equal(MailboxTicket, private_.Mailbox);
    }

    [Fact]
    public void OldBody_WithoutAMailbox_StillParses_AndKeepsTheKnownMailbox()
    {
        var body = Read(KnownAnswerV1);
        Assert.False(body.TryGetMailbox(out _));
        Assert.Equal(MailboxAddr, body.ToAddr(Id, knownMailbox: MailboxAddr)!.Mailbox);
        Assert.Null(body.ToAddr(Id)!.Mailbox);
    }

    [Fact]
    public void NoMailbox_ClearsTheKnownOne_AndAMailboxAlone_IsAUsableAddress()
    {
        var none = new Internal.Addresses.AddressUpdateBody(1, [], [], 1, "");
        Assert.True(none.TryGetMailbox(out var cleared));
        Assert.Null(cleared);
        Assert.Null(none.ToAddr(Id, knownMailbox: MailboxAddr)); // nothing left to reach the sender by

        var onlyMailbox = new Internal.Addresses.AddressUpdateBody(1, [], [], 1, MailboxAddr.ToTicket());
        var addr = onlyMailbox.ToAddr(Id)!;
        Assert.Empty(addr.DirectAddresses);
        Assert.Equal(MailboxAddr, addr.Mailbox);
    }

    [Theory]
    [InlineData("not a ticket")]
    [InlineData("irohsocialaaaa")]
    [InlineData("NESTED")]
    [InlineData("NOWAY")]
    [InlineData("LONG")]
    public void BadMailbox_IsIgnored_TheKnownOneStays(string mailbox)
    {
        mailbox = mailbox switch
        {
            // A mailbox that names a mailbox of its own.
            "NESTED" => (MailboxAddr with { Mailbox = null } is var m ? new EndpointAddr(Id, m.DirectAddresses) { Mailbox = m } : null)!.ToTicket(),
            // A mailbox with no way to reach it.
            "NOWAY" => new EndpointAddr(Id, []).ToTicket(),
            "LONG" => new string('a', Internal.Addresses.AddressUpdateBody.MaxMailboxTicketLength + 1),
            _ => mailbox,
        };
        var body = new Internal.Addresses.AddressUpdateBody(1, ["192.0.2.7:4433"], [], 1, mailbox);
        Assert.False(body.TryGetMailbox(out _));
        var known = new EndpointAddr(Id, [IPEndPoint.Parse("192.0.2.1:1")]);
        Assert.Equal(known, body.ToAddr(Id, knownMailbox: known)!.Mailbox);
    }
}
