using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace IrohSocial.Web.Server;

/// <summary>One uploaded file, held in memory only (wiped by <see cref="MessageForm.Dispose"/>).</summary>
internal sealed record UploadedFile(string Name, string ContentType, MemoryStream Content);

/// <summary>
/// The page's "send a message" form, read straight from the multipart body into memory. ASP.NET's own form reader
/// buffers files over 64 KiB to clear temporary files on disk; reading the sections here keeps uploads off the disk
/// entirely: the SDK seals its own copy into the attachment vault while it hashes the bytes for sending.
/// </summary>
internal sealed class MessageForm : IDisposable
{
    private const int MaxFieldLength = 1 << 20;

    public string Content { get; private set; } = "";

    public string? ReplyTo { get; private set; }

    public List<UploadedFile> Files { get; } = [];

    /// <exception cref="InvalidDataException">The body is not a multipart form (or a field is too long).</exception>
    public static async Task<MessageForm> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var form = new MessageForm();
        try
        {
            if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                // A form without files (urlencoded) never touches the disk.
                var fields = await request.ReadFormAsync(cancellationToken);
                form.Content = fields["content"].ToString();
                form.ReplyTo = fields["replyTo"].ToString() is { Length: > 0 } r ? r : null;
                return form;
            }

            var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? throw new InvalidDataException("The form has no boundary.");
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                if (disposition.IsFileDisposition())
                {
                    var content = new MemoryStream();
                    form.Files.Add(new UploadedFile(
                        Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "file"),
                        string.IsNullOrEmpty(section.ContentType) ? "application/octet-stream" : section.ContentType,
                        content));
                    await section.Body.CopyToAsync(content, cancellationToken);
                }
                else if (disposition.IsFormDisposition())
                {
                    var value = await new StreamReader(section.Body).ReadToEndAsync(cancellationToken);
                    if (value.Length > MaxFieldLength)
                    {
                        throw new InvalidDataException("A form field is too long.");
                    }

                    switch (HeaderUtilities.RemoveQuotes(disposition.Name).Value)
                    {
                        case "content":
                            form.Content = value;
                            break;
                        case "replyTo":
                            form.ReplyTo = value.Length > 0 ? value : null;
                            break;
                    }
                }
            }

            return form;
        }
        catch
        {
            form.Dispose();
            throw;
        }
    }

    /// <summary>Wipes the uploaded bytes.</summary>
    public void Dispose()
    {
        foreach (var file in Files)
        {
            Array.Clear(file.Content.GetBuffer());
            file.Content.Dispose();
        }
    }
}
