using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

internal sealed partial class PeerChannel
{
    /// <summary>Hands a registered kind's control to its handler, inside the inbound batch.</summary>
    private ValueTask DispatchExtensionAsync(ExtensionControl control, InboundBatch batch, CancellationToken cancellationToken)
    {
        var context = new ControlContext(Peer, control.Id, batch.Operations, batch.Events, batch.AfterCommit, ExpectAttachments) { AfterFailureList = batch.AfterFailure };
        return _rt.Controls.DispatchAsync(context, control, _rt.Logger, cancellationToken);
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
