using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace IrohSocial.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed partial class MessagingPageTests(Browser browser)
{
    static MessagingPageTests() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task TwoPages_AddByTicket_MessagesBothWays_TypingReadReplyAttachmentDelete()
    {
        browser.Require();
        await using var alice = await WebUser.StartAsync(browser, "alice", nameof(TwoPages_AddByTicket_MessagesBothWays_TypingReadReplyAttachmentDelete));
        await using var bob = await WebUser.StartAsync(browser, "bob", nameof(TwoPages_AddByTicket_MessagesBothWays_TypingReadReplyAttachmentDelete));

        // Each shows its ticket (and its QR code); each adds the other by pasting it.
        foreach (var (me, other) in new[] { (alice, bob), (bob, alice) })
        {
            await me.GoAsync("#/me");
            await Expect(me.Page.GetByTestId("my-ticket")).ToHaveValueAsync(me.Ticket);
            await me.Page.GetByTestId("ticket-input").FillAsync(other.Page == bob.Page ? await TicketShownBy(bob) : await TicketShownBy(alice));
            await me.Page.GetByTestId("contact-name-input").FillAsync(other.Name);
            await me.Page.GetByTestId("add-contact-button").ClickAsync();
            await Expect(me.Page.Locator("#add-result")).ToHaveTextAsync($"Added {other.Name}.");
        }

        await alice.ScreenshotAsync("me-and-contacts");

        // Alice writes first.
        await alice.GoAsync($"#/thread/{bob.Id}");
        await alice.Page.GetByTestId("message-input").FillAsync("Hello Bob");
        await alice.Page.GetByTestId("send-button").ClickAsync();
        var hello = alice.Page.Locator("[data-testid=message][data-direction=out]").Filter(new() { HasText = "Hello Bob" });
        await Expect(hello.GetByTestId("message-status")).ToHaveTextAsync(new Regex("delivered|read"));

        // Bob's list shows the conversation with an unread badge; opening it marks it read on Alice's side.
        await bob.GoAsync("#/messages");
        var bobsItem = bob.Page.GetByTestId("conversation-item").Filter(new() { HasText = "alice" });
        await Expect(bobsItem.GetByTestId("unread-badge")).ToHaveTextAsync("1");
        await bob.ScreenshotAsync("conversation-list-unread");
        await bobsItem.ClickAsync();
        await Expect(bob.Page.GetByTestId("message-list").GetByTestId("message")).ToHaveTextAsync([new Regex("Hello Bob")]);
        await Expect(hello.GetByTestId("message-status")).ToHaveTextAsync("read");
        await Expect(bob.Page.GetByTestId("unread-badge")).ToHaveCountAsync(0);

        // Bob types: Alice sees it. Bob replies to Alice's message.
        await bob.Page.GetByTestId("message-input").PressSequentiallyAsync("Hi Al");
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToBeVisibleAsync();
        await Expect(alice.Page.GetByTestId("typing-indicator")).ToContainTextAsync("typing");
        await alice.ScreenshotAsync("thread-typing");
        await bob.Page.GetByTestId("message").Filter(new() { HasText = "Hello Bob" }).GetByTestId("reply-button").ClickAsync();
        await bob.Page.GetByTestId("message-input").FillAsync("Hi Alice");
        await bob.Page.GetByTestId("send-button").ClickAsync();
        var reply = alice.Page.GetByTestId("message").Filter(new() { HasText = "Hi Alice" });
        await Expect(reply.GetByTestId("message-reply")).ToContainTextAsync("Hello Bob");
        await Expect(bob.Page.GetByTestId("message").Filter(new() { HasText = "Hi Alice" }).GetByTestId("message-status")).ToHaveTextAsync("read");

        // An attachment travels intact.
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "notes.bin", MimeType = "application/octet-stream", Buffer = bytes });
        await alice.Page.GetByTestId("message-input").FillAsync("the file");
        await alice.Page.GetByTestId("send-button").ClickAsync();
        var fileMessage = bob.Page.GetByTestId("message").Filter(new() { HasText = "the file" });
        await Expect(fileMessage.GetByTestId("attachment-link")).ToContainTextAsync("notes.bin");
        var download = await bob.Page.RunAndWaitForDownloadAsync(() => fileMessage.GetByTestId("attachment-link").ClickAsync());
        var downloaded = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        await download.SaveAsAsync(downloaded);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(downloaded)));
        File.Delete(downloaded);
        await bob.ScreenshotAsync("thread-attachment");
        await alice.ScreenshotAsync("thread");

        // A delete disappears on both sides.
        await hello.GetByTestId("delete-button").ClickAsync();
        await Expect(hello).ToHaveCountAsync(0);
        await Expect(bob.Page.GetByTestId("message-content").GetByText("Hello Bob", new() { Exact = true })).ToHaveCountAsync(0);
        await Expect(bob.Page.GetByTestId("message-content").GetByText("Hi Alice", new() { Exact = true })).ToHaveCountAsync(1);

        // Flush outbox answers with its counts.
        await alice.Page.GetByTestId("flush-outbox").ClickAsync();
        await Expect(alice.Page.Locator("#flush-result")).ToContainTextAsync("sent");
        await Expect(alice.Page.GetByTestId("connection-path")).ToContainTextAsync("direct");
    }

    [Fact]
    public async Task LongConversation_ScrollingUp_LoadsOlderPagesUntilTheFirstMessage()
    {
        browser.Require();
        await using var alice = await WebUser.StartAsync(browser, "alice", nameof(LongConversation_ScrollingUp_LoadsOlderPagesUntilTheFirstMessage));
        await using var bob = await WebUser.StartAsync(browser, "bob", nameof(LongConversation_ScrollingUp_LoadsOlderPagesUntilTheFirstMessage));
        await alice.AddContactByApiAsync(bob);
        await bob.AddContactByApiAsync(alice);
        const int count = 75;
        for (var i = 1; i <= count; i++)
        {
            var form = new MultipartFormDataContent { { new StringContent($"message {i}"), "content" } };
            (await alice.Http.PostAsync($"api/conversations/{bob.Id}/messages", form)).EnsureSuccessStatusCode();
        }

        // Wait until Bob has them all, then open the thread: one page (30) shows, the rest loads on scrolling up.
        await WaitUntilAsync(async () => (await bob.Http.GetFromJsonAsync<List<object>>($"api/conversations/{alice.Id}/messages?limit=200"))!.Count == count);
        await bob.GoAsync($"#/thread/{alice.Id}");
        var messages = bob.Page.GetByTestId("message");
        await Expect(messages.Last).ToContainTextAsync($"message {count}");
        var firstPage = await messages.CountAsync();
        Assert.InRange(firstPage, 30, count - 1);
        for (var attempt = 0; attempt < 20 && await messages.CountAsync() < count; attempt++)
        {
            await bob.Page.GetByTestId("message-list").EvaluateAsync("list => list.scrollTop = 0");
            await Task.Delay(300);
        }

        await Expect(messages).ToHaveCountAsync(count);
        await Expect(messages.First).ToContainTextAsync("message 1");
        await bob.ScreenshotAsync("scrolled-to-first");
    }

    private static async Task<string> TicketShownBy(WebUser user)
    {
        await user.GoAsync("#/me");
        return await user.Page.GetByTestId("my-ticket").InputValueAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}
