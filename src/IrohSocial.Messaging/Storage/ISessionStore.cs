using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>Serialized ratchet sessions, one per peer.</summary>
public interface ISessionStore
{
    /// <summary>The session state last saved for <paramref name="peer"/>, or <see langword="null"/>.</summary>
    ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default);
}
