namespace IrohSocial.Messaging.Tests.Support;

/// <summary>Records a client's events (attached through the .NET events, so nothing is missed) and waits on them.</summary>
public sealed class EventLog
{
    private readonly Lock _gate = new();
    private readonly List<DmEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    private void Add(DmEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public IReadOnlyList<T> Of<T>() where T : DmEvent
    {
        lock (_gate)
        {
            return _events.OfType<T>().ToList();
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test after <paramref name="timeoutSeconds"/>.</summary>
    public async Task WaitUntilAsync(Func<EventLog, bool> condition, int timeoutSeconds = 30, string? what = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Condition not reached: {what ?? "events"}.");
            }

            await Task.WhenAny(changed, Task.Delay(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200)));
        }
    }
}
