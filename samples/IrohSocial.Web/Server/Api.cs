using IrohSocial.Crypto;
using IrohSocial.Hosting;
using IrohSocial.Media.Calls;
using IrohSocial.Messaging;
using IrohSocial.Messaging.Storage;
using QRCoder;

namespace IrohSocial.Web.Server;

/// <summary>The page's HTTP API: every command of the SDK's client API, one endpoint each.</summary>
internal static class Api
{
    private const int MaxPage = 200;

    // Received files are the peer's bytes: only raster images are shown inline; everything else downloads, so a
    // peer's HTML or SVG never runs on the page's origin.
    private static readonly HashSet<string> InlineTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    public sealed record AddContactRequest(string Ticket, string? Name);

    public sealed record StartCallRequest(string Peer, bool Video);

    public sealed record AnswerRequest(bool Video);

    public sealed record MuteRequest(bool Muted);

    public sealed record VideoRequest(bool Enabled);

    public static void Map(WebApplication app, WebAppSettings settings)
    {
        var api = app.MapGroup("/api");
        var sentFolder = Path.Combine(settings.DataDirectory, LegacySentFolder.FolderName);

        api.MapGet("/me", (IrohSocialHost host) => new
        {
            id = host.Id.ToString(),
            ticket = host.Ticket,
            video = new { width = settings.Video.Width, height = settings.Video.Height, fps = settings.Video.FramesPerSecond },
        });

        api.MapGet("/me/qr.svg", (IrohSocialHost host) =>
        {
            using var data = QRCodeGenerator.GenerateQrCode(host.Ticket, QRCodeGenerator.ECCLevel.M);
            return Results.Text(new SvgQRCode(data).GetGraphic(4), "image/svg+xml");
        });

        api.MapGet("/contacts", (ContactBook contacts) => contacts.All.Select(c => new { id = c.Id, name = c.Name, ticket = c.Ticket }));

        api.MapPost("/contacts", (AddContactRequest request, IrohSocialHost host, ContactBook contacts) =>
        {
            if (string.IsNullOrWhiteSpace(request.Ticket))
            {
                return Results.BadRequest(new { error = "Paste a ticket." });
            }

            Contact contact;
            try
            {
                contact = contacts.Add(request.Ticket, request.Name);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                return Results.BadRequest(new { error = ex.Message });
            }

            if (contact.ToAddress().Id == host.Id)
            {
                return Results.BadRequest(new { error = "That is your own ticket." });
            }

            host.Messages.AddPeer(contact.ToAddress());
            return Results.Ok(new { id = contact.Id, name = contact.Name });
        });

        api.MapGet("/conversations", async (IrohSocialHost host, ContactBook contacts, CancellationToken ct) =>
        {
            var conversations = await host.Messages.GetConversationsAsync(ct);
            var list = conversations
                .OrderByDescending(c => c.LastMessage.Timestamp)
                .Select(c => new ConversationDto(c.Peer.ToString(), contacts.NameOf(c.Peer), MessageDto.From(c.LastMessage), c.UnreadCount, contacts.Find(c.Peer) is not null))
                .ToList();
            // Contacts without messages yet come last, so a new contact can be opened and written to.
            list.AddRange(contacts.All.Where(k => list.All(c => c.Peer != k.Id)).Select(k => new ConversationDto(k.Id, k.Name, null, 0, true)));
            return list;
        });

        // `before` is the id of the oldest message the page already shows (a timestamp would skip messages sharing it).
        api.MapGet("/conversations/{peer}/messages", async (string peer, string? before, int? limit, IrohSocialHost host, CancellationToken ct) =>
        {
            if (!TryPeer(peer, out var id))
            {
                return BadPeer();
            }

            try
            {
                return Results.Ok((await host.Messages.GetMessagesAsync(id, Math.Clamp(limit ?? 30, 1, MaxPage), before, ct)).Select(MessageDto.From));
            }
            catch (ArgumentException e) when (e.ParamName == "beforeMessageId")
            {
                return Results.BadRequest(new { error = "unknown message id in 'before'" });
            }
        });

        api.MapPost("/conversations/{peer}/messages", async (string peer, HttpRequest request, IrohSocialHost host, ContactBook contacts, CancellationToken ct) =>
        {
            if (!TryPeer(peer, out var id))
            {
                return BadPeer();
            }

            MessageForm form;
            try
            {
                form = await MessageForm.ReadAsync(request, ct);
            }
            catch (InvalidDataException ex)
            {
                return Results.BadRequest(new { error = ex.Message });
            }

            using (form)
            {
                if (form.Content.Length == 0 && form.Files.Count == 0)
                {
                    return Results.BadRequest(new { error = "Nothing to send." });
                }

                // Uploads stay in memory; the SDK seals its own copy into the attachment vault as it hashes them, and the
                // download endpoint below reads that copy back (decrypted on demand). Nothing lands on disk in clear.
                var attachments = form.Files
                    .Select(f => AttachmentSource.FromStream(f.Name, f.ContentType, () => new MemoryStream(f.Content.GetBuffer(), 0, (int)f.Content.Length, writable: false)))
                    .ToList();
                try
                {
                    var messageId = contacts.Find(id) is { } contact
                        ? await host.Messages.SendMessageAsync(contact.ToAddress(), form.Content, attachments, form.ReplyTo, ct)
                        : await host.Messages.SendMessageAsync(id, form.Content, attachments, form.ReplyTo, ct);
                    var sent = (await host.Messages.GetMessagesAsync(id, 5, null, ct)).FirstOrDefault(m => m.Id == messageId);
                    return Results.Ok(sent is null ? new { id = messageId } : MessageDto.From(sent));
                }
                catch (MessagingException ex)
                {
                    return Results.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway);
                }
            }
        }).DisableAntiforgery();

        api.MapPost("/conversations/{peer}/read", async (string peer, IrohSocialHost host, CancellationToken ct) =>
            TryPeer(peer, out var id) ? Results.Ok(new { marked = await host.Messages.MarkReadAsync(id, ct) }) : BadPeer());

        api.MapPost("/conversations/{peer}/typing", async (string peer, IrohSocialHost host, CancellationToken ct) =>
        {
            if (!TryPeer(peer, out var id))
            {
                return BadPeer();
            }

            try
            {
                await host.Messages.SendTypingAsync(id, ct);
                return Results.NoContent();
            }
            catch (MessagingException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway);
            }
        });

        api.MapGet("/conversations/{peer}/path", (string peer, IrohSocialHost host) =>
            !TryPeer(peer, out var id) ? BadPeer()
            : host.Messages.GetConnection(id) is { } connection ? Results.Ok(PathDto.From(connection, null))
            : Results.Ok(new { kind = "none" }));

        api.MapDelete("/messages/{id}", async (string id, IrohSocialHost host, CancellationToken ct) =>
            await host.Messages.DeleteMessageAsync(id, ct) ? Results.NoContent() : Results.NotFound());

        api.MapPost("/outbox/flush", async (IrohSocialHost host, CancellationToken ct) =>
        {
            var result = await host.Messages.FlushOutboxAsync(ct);
            return new { sent = result.Sent, failed = result.Failed };
        });

        api.MapGet("/attachments/{messageId}/{attachmentId}", async (string messageId, string attachmentId, string? name, string? type, string? peer, IrohSocialHost host, AtRestSealer sealer, CancellationToken ct) =>
        {
            if (!SafeId(messageId) || !SafeId(attachmentId))
            {
                return Results.BadRequest();
            }

            var fileName = $"{messageId}-{attachmentId}";
            var inline = type is not null && InlineTypes.Contains(type);
            var contentType = inline ? type! : "application/octet-stream";
            var downloadName = inline ? null : (name ?? fileName);

            // Attachments, received and sent alike, are sealed at rest by the SDK; they are decrypted only while streamed to
            // the page.
            if (peer is not null && TryPeer(peer, out var from))
            {
                try
                {
                    var stream = await host.Messages.OpenAttachmentAsync(from, messageId, attachmentId, ct);
                    return Results.Stream(stream, contentType, downloadName);
                }
                catch (MessagingException ex) when (ex.Error == MessagingError.AttachmentNotFound)
                {
                    // Not there: perhaps a copy an older version kept in sent/ (sealed at start).
                }
            }

            return LegacySentFolder.Open(sentFolder, fileName, sealer) is { } legacy ? Results.File(legacy, contentType, downloadName) : Results.NotFound();
        });

        api.MapPost("/calls", async (StartCallRequest request, CallSession calls, CancellationToken ct) =>
        {
            if (!TryPeer(request.Peer, out var id))
            {
                return BadPeer();
            }

            try
            {
                return Results.Ok(ToDto(await calls.StartAsync(id, request.Video, ct), app.Services));
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or MessagingException)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
            }
        });

        api.MapGet("/calls/current", (CallSession calls) => calls.Current is { } call ? Results.Ok(ToDto(call, app.Services)) : Results.NoContent());

        api.MapPost("/calls/{id}/answer", async (string id, AnswerRequest request, CallSession calls, CancellationToken ct) =>
            await CallCommand(async () => ToDto(await calls.AnswerAsync(id, request.Video, ct), app.Services)));

        api.MapPost("/calls/{id}/reject", async (string id, IrohSocialHost host, CancellationToken ct) =>
            await CallCommand(async () => { await host.Node.Calls.RejectAsync(id, "declined", ct); return new { }; }));

        api.MapPost("/calls/{id}/end", async (string id, IrohSocialHost host, CancellationToken ct) =>
            await CallCommand(async () => { await host.Node.Calls.EndAsync(id, ct); return new { }; }));

        api.MapPost("/calls/{id}/mute", (string id, MuteRequest request, CallSession calls) =>
        {
            if (calls.Current is not { } call || call.Id != id)
            {
                return Results.NotFound();
            }

            call.Muted = request.Muted;
            return Results.Ok(ToDto(call, app.Services));
        });

        api.MapPost("/calls/{id}/video", async (string id, VideoRequest request, CallSession calls, CancellationToken ct) =>
            calls.Current is { } call && call.Id == id
                ? await CallCommand(async () => { await call.SetVideoEnabledAsync(request.Enabled, ct); return ToDto(call, app.Services); })
                : Results.NotFound());

        api.MapGet("/calls/history", async (IrohSocialHost host, ContactBook contacts, CancellationToken ct) =>
            (await host.Node.Calls.GetHistoryAsync(50, null, ct)).Select(r => new CallRecordDto(
                r.CallId, r.Peer.ToString(), contacts.NameOf(r.Peer), r.Direction == CallDirection.Outgoing ? "outgoing" : "incoming",
                r.StartedAt, r.Duration.TotalSeconds, r.HadVideo, r.EndedReason.ToString().ToLowerInvariant())));
    }

    private static CallDto ToDto(Call call, IServiceProvider services) => new(
        call.Id,
        call.Peer.ToString(),
        services.GetRequiredService<ContactBook>().NameOf(call.Peer),
        call.Direction == CallDirection.Outgoing ? "outgoing" : "incoming",
        call.State.ToString().ToLowerInvariant(),
        call.Muted,
        call.VideoEnabled,
        call.PeerVideoEnabled,
        call.Elapsed.TotalSeconds);

    private static async Task<IResult> CallCommand<T>(Func<Task<T>> command)
    {
        try
        {
            return Results.Ok(await command());
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or MessagingException)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static bool TryPeer(string text, out EndpointId id) => EndpointId.TryParse(text, out id);

    private static IResult BadPeer() => Results.BadRequest(new { error = "Not a peer id (64 lowercase hex characters)." });

    private static bool SafeId(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
