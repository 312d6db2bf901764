using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Storage;

public sealed class InMemoryMessagingStoreTests : MessagingStoreContractTests
{
    protected override Task<IMessagingStore> CreateAsync(string name) => Task.FromResult<IMessagingStore>(new InMemoryMessagingStore());

    // Disposing the in-memory store keeps its contents, which is how tests "restart" a client on it.
    protected override async Task<IMessagingStore> ReopenAsync(IMessagingStore store, string name)
    {
        await store.DisposeAsync();
        return store;
    }
}
