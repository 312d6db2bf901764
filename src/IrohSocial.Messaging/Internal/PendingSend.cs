namespace IrohSocial.Messaging.Internal;

/// <summary>A control written on an outbound link and waiting for its acknowledgement.</summary>
internal sealed class PendingSend(Control control, int sessionGeneration)
{
    public Control Control { get; } = control;

    /// <summary>The session generation it was encrypted under; a decrypt_failed for an older one is stale.</summary>
    public int SessionGeneration { get; } = sessionGeneration;

    public TaskCompletionSource Acked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
