using Microsoft.Extensions.Time.Testing;

namespace IrohSocial.Media.Tests.Support;

/// <summary>
/// A one-way in-memory link on a fake clock. Every write is one packet that is dropped, duplicated or
/// delivered after delay + jitter by a <see cref="TimeProvider"/> timer; the reader gets delivered bytes in
/// delivery order and end-of-stream once the writer is disposed and nothing is in flight.
/// Exposes enough state for a test to know when the consumer has caught up.
/// </summary>
internal sealed class FaultyLink
{
    private readonly FakeTimeProvider _time;
    private LinkFaults _faults;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly Queue<byte[]> _delivered = new();
    private readonly List<ITimer> _timers = [];
    private int _offset;
    private int _inFlight;
    private int _writes;
    private bool _writerClosed;
    private bool _readerWaiting;
    private bool _readerSawEnd;
    private TaskCompletionSource? _waiter;

    public FaultyLink(FakeTimeProvider time, LinkFaults faults, int seed)
    {
        _time = time;
        _faults = faults;
        _random = new Random(seed);
        Writer = new WriterStream(this);
        Reader = new ReaderStream(this);
    }

    public Stream Writer { get; }

    /// <summary>Changes the faults for writes from now on (for a link that gets better or worse mid-call).</summary>
    public LinkFaults Faults
    {
        get
        {
            lock (_lock)
            {
                return _faults;
            }
        }

        set
        {
            lock (_lock)
            {
                _faults = value;
            }
        }
    }

    public Stream Reader { get; }

    public int Dropped { get; private set; }

    public int Duplicated { get; private set; }

    public int Sent { get; private set; }

    /// <summary>True when nothing delivered is left unread and the reader is blocked waiting (or has seen the end).</summary>
    public bool ConsumerCaughtUp
    {
        get
        {
            lock (_lock)
            {
                return _delivered.Count == 0 && (_readerWaiting || _readerSawEnd);
            }
        }
    }

    private void Send(ReadOnlySpan<byte> data)
    {
        byte[] packet = data.ToArray();
        lock (_lock)
        {
            bool reliable = _writes++ < _faults.ReliableWrites;
            Sent++;
            if (!reliable && _random.NextDouble() < _faults.DropRate)
            {
                Dropped++;
                return;
            }

            Schedule(packet, reliable);
            if (!reliable && _random.NextDouble() < _faults.DuplicateRate)
            {
                Duplicated++;
                Schedule(packet, reliable);
            }
        }
    }

    private void Schedule(byte[] packet, bool reliable)
    {
        double jitterMs = reliable ? 0 : Math.Round(_random.NextDouble() * _faults.Jitter.TotalMilliseconds);
        TimeSpan delay = _faults.Delay + TimeSpan.FromMilliseconds(jitterMs);
        _inFlight++;
        ITimer? timer = null;
        timer = _time.CreateTimer(_ => Deliver(packet), null, delay, Timeout.InfiniteTimeSpan);
        _timers.Add(timer);
    }

    private void Deliver(byte[] packet)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _inFlight--;
            _delivered.Enqueue(packet);
            waiter = TakeWaiter();
        }

        waiter?.TrySetResult();
    }

    private void CloseWriter()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _writerClosed = true;
            waiter = TakeWaiter();
        }

        waiter?.TrySetResult();
    }

    private TaskCompletionSource? TakeWaiter()
    {
        TaskCompletionSource? waiter = _waiter;
        _waiter = null;
        _readerWaiting = false;
        return waiter;
    }

    private async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_delivered.Count > 0)
                {
                    byte[] head = _delivered.Peek();
                    int count = Math.Min(buffer.Length, head.Length - _offset);
                    head.AsSpan(_offset, count).CopyTo(buffer.Span);
                    _offset += count;
                    if (_offset == head.Length)
                    {
                        _delivered.Dequeue();
                        _offset = 0;
                    }

                    return count;
                }

                if (_writerClosed && _inFlight == 0)
                {
                    _readerSawEnd = true;
                    return 0;
                }

                _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _readerWaiting = true;
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private abstract class LinkStream(FaultyLink link) : Stream
    {
        protected FaultyLink Link { get; } = link;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class WriterStream(FaultyLink link) : LinkStream(link)
    {
        private bool _closed;

        public override bool CanRead => false;

        public override bool CanWrite => true;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            Link.Send(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (!_closed)
            {
                _closed = true;
                Link.CloseWriter();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class ReaderStream(FaultyLink link) : LinkStream(link)
    {
        public override bool CanRead => true;

        public override bool CanWrite => false;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Link.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Link.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
