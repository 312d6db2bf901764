using IrohSocial.Messaging;

namespace IrohSocial.Demo;

/// <summary>
/// Keeps every event a <see cref="DmClient"/> raises so a step can wait for one that may already have
/// happened (an ack can beat the code that waits for it).
/// </summary>
public sealed class EventRecorder
{
    private readonly List<DmEvent> _events = [];
    private readonly List<(Func<DmEvent, bool> Match, TaskCompletionSource<DmEvent> Done)> _waiters = [];
    private readonly Lock _gate = new();

    /// <summary>Subscribes to every event of <paramref name="client"/>.</summary>
    public void Attach(DmClient client)
    {
        client.MessageReceived += (_, e) => Add(e);
        client.MessageDelivered += (_, e) => Add(e);
        client.MessageRead += (_, e) => Add(e);
        client.Typing += (_, e) => Add(e);
        client.MessageDeleted += (_, e) => Add(e);
        client.SessionReset += (_, e) => Add(e);
        client.AttachmentReceived += (_, e) => Add(e);
    }

    /// <summary>How many recorded events are of type <typeparamref name="T"/>.</summary>
    public int Count<T>()
        where T : DmEvent
    {
        lock (_gate)
        {
            return _events.OfType<T>().Count();
        }
    }

    /// <summary>Waits for an event of type <typeparamref name="T"/> matching <paramref name="match"/>, recorded before or after the call.</summary>
    public async Task<T> WaitAsync<T>(Func<T, bool> match, string what, TimeSpan timeout, CancellationToken cancellationToken)
        where T : DmEvent
    {
        TaskCompletionSource<DmEvent> done;
        lock (_gate)
        {
            var seen = _events.OfType<T>().FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }

            done = new TaskCompletionSource<DmEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((e => e is T t && match(t), done));
        }

        try
        {
            return (T)await done.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new DemoFailedException($"Timed out after {timeout.TotalSeconds:0}s waiting for {what}.", ex);
        }
    }

    private void Add(DmEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(e))
                {
                    _waiters[i].Done.TrySetResult(e);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
