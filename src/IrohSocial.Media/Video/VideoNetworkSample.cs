namespace IrohSocial.Media.Video;

/// <summary>One periodic measurement of the call's link, fed to <see cref="VideoBitrateController.Update"/>.</summary>
/// <param name="GoodputKbps">
/// Media the link carried over the last interval (audio and video), kbit/s: what the peer reports having received, or
/// what the sender's transport took when the sender is the one held back.
/// </param>
/// <param name="LossFraction">Fraction of media frames lost over the interval, 0..1.</param>
/// <param name="RoundTripTime">Current round-trip time.</param>
/// <param name="SenderSkipFraction">
/// Share of the interval's video frames the sender skipped because the transport had not yet taken the previous one,
/// 0..1: on a reliable transport (TCP) congestion shows up here, as backpressure, rather than as loss.
/// </param>
internal readonly record struct VideoNetworkSample(double GoodputKbps, double LossFraction, TimeSpan RoundTripTime, double SenderSkipFraction = 0);
