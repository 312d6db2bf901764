namespace IrohSocial.Messaging.Storage;

/// <summary>Past calls. Written with <see cref="SaveCall"/> through <see cref="IMessagingStore.ApplyAsync"/>.</summary>
public interface ICallHistoryStore
{
    /// <summary>The newest <paramref name="limit"/> calls started before <paramref name="before"/> (all when null), newest first.</summary>
    ValueTask<IReadOnlyList<CallRecord>> GetCallHistoryAsync(int limit, DateTimeOffset? before, CancellationToken cancellationToken = default);
}
