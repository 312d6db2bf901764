using IrohSocial.Media.Calls;

namespace IrohSocial.Media.Tests.Calls;

public sealed class CallOptionsTests
{
    [Fact]
    public void Defaults_MatchTheDesign()
    {
        CallOptions options = CallOptions.Default;
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)), (options.RingTimeout, options.ReconnectWindow, options.StatsInterval));
        options.Validate();
    }

    [Fact]
    public void Validate_RejectsNonPositiveTimes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (CallOptions.Default with { RingTimeout = TimeSpan.Zero }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (CallOptions.Default with { ReconnectWindow = TimeSpan.FromSeconds(-1) }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (CallOptions.Default with { StatsInterval = TimeSpan.Zero }).Validate());
        Assert.Throws<ArgumentNullException>(() => (CallOptions.Default with { AudioReceiver = null! }).Validate());
    }
}
