using System.Threading.Channels;

namespace IrohSocial.Messaging.Internal;

/// <summary>Fans events out to every <see cref="DmClient.Events"/> subscriber (each gets its own unbounded channel).</summary>
internal sealed class EventHub
{
    private readonly Lock _gate = new();
    private readonly List<Channel<DmEvent>> _subscribers = [];

    public void Publish(DmEvent dmEvent)
    {
        lock (_gate)
        {
            foreach (var channel in _subscribers)
            {
                channel.Writer.TryWrite(dmEvent);
            }
        }
    }

    /// <summary>Registers at once (so nothing raised after this call is missed), then yields lazily.</summary>
    public IAsyncEnumerable<DmEvent> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<DmEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return ReadAsync(channel, cancellationToken);
    }

    private async IAsyncEnumerable<DmEvent> ReadAsync(Channel<DmEvent> channel, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            foreach (var channel in _subscribers)
            {
                channel.Writer.TryComplete();
            }
        }
    }
}
