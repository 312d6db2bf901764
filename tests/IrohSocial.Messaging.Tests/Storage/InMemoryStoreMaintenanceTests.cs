using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Storage;

public sealed class InMemoryStoreMaintenanceTests : StoreMaintenanceContractTests
{
    protected override Task<IMessagingStore> CreateAsync(string name) => Task.FromResult<IMessagingStore>(new InMemoryMessagingStore());
}
