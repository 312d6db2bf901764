using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Storage;

namespace IrohSocial.Storage.Sqlite.Tests;

public sealed class SqliteStoreMaintenanceTests : StoreMaintenanceContractTests, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly AtRestSealer _sealer;

    public SqliteStoreMaintenanceTests() => _sealer = new AtRestSealer(_identity);

    protected override async Task<IMessagingStore> CreateAsync(string name) => await SqliteMessagingStore.OpenAsync(_folder.File(name + ".db"), _sealer);

    public void Dispose()
    {
        _sealer.Dispose();
        _identity.Dispose();
        _folder.Dispose();
    }
}
