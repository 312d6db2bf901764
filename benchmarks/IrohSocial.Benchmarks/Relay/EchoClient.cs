using IrohSocial.Transport;

namespace IrohSocial.Benchmarks.Relay;

/// <summary>The client half of the relay benchmarks' echo: writes <c>total</c> bytes on one stream while reading them back.</summary>
internal static class EchoClient
{
    public static async Task RoundTripAsync(Connection connection, long total, byte[] chunk)
    {
        await using var stream = await connection.OpenBidirectionalStreamAsync();
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            long got = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                got += read;
            }

            return got;
        });
        for (long sent = 0; sent < total; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        stream.CompleteWrites();
        if (await reader != total)
        {
            throw new InvalidOperationException("The echo came back short.");
        }
    }
}
