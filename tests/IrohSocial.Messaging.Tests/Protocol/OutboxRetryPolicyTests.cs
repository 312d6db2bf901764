using CsCheck;

namespace IrohSocial.Messaging.Tests.Protocol;

public sealed class OutboxRetryPolicyTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(1000, 60)]
    public void GetDelay_Default_DoublesUpToCap(int attempts, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), OutboxRetryPolicy.Default.GetDelay(attempts));

    [Fact]
    public void GetDelay_AnyPolicy_MonotonicAndBounded() =>
        Gen.Select(Gen.Int[1, 10_000], Gen.Int[1, 100_000], Gen.Int[1, 200]).Sample((baseMs, extraMs, n) =>
        {
            var policy = new OutboxRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(baseMs), MaxDelay = TimeSpan.FromMilliseconds(baseMs + extraMs) };
            var d1 = policy.GetDelay(n);
            var d2 = policy.GetDelay(n + 1);
            return d1 >= policy.BaseDelay && d1 <= policy.MaxDelay && d2 >= d1;
        });

    [Fact]
    public void GetDelay_InvalidPolicy_Throws()
    {
        var policy = new OutboxRetryPolicy { BaseDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(1) };
        Assert.Throws<ArgumentException>(() => policy.GetDelay(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => OutboxRetryPolicy.Default.GetDelay(0));
    }
}
