using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>Hands a registered kind's control to its handler, inside the inbound batch.</summary>
    private async ValueTask DispatchExtensionAsync(ExtensionControl control, InboundBatch batch, CancellationToken cancellationToken)
    {
        if (_rt.Controls.RemembersIds(control.Kind))
        {
            // Applied once for good: the id is remembered in the same transaction as the handler's effects.
            if (await _rt.Store.HasSeenControlAsync(Peer, control.Id, cancellationToken).ConfigureAwait(false))
            {
                Log.DuplicateControlDropped(_rt.Logger, control.Id, Peer);
                return;
            }

            batch.Operations.Add(new RememberControl(Peer, control.Id));
        }

        var context = new ControlContext(Peer, control.Id, batch.Operations, batch.Events, batch.AfterCommit, ExpectAttachments) { AfterFailureList = batch.AfterFailure };
        await _rt.Controls.DispatchAsync(context, control, _rt.Logger, cancellationToken).ConfigureAwait(false);
    }

    private void RunAfterCommit(List<Action> actions)
    {
        foreach (var action in actions)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_rt.Logger, ex);
            }
        }
    }
}
