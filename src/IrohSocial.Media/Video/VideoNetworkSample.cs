namespace IrohSocial.Media.Video;

/// <summary>One periodic measurement of the call's link, fed to <see cref="VideoBitrateController.Update"/>.</summary>
/// <param name="GoodputKbps">Media the peer reports having received over the last interval (audio and video), kbit/s.</param>
/// <param name="LossFraction">Fraction of media frames lost over the interval, 0..1.</param>
/// <param name="RoundTripTime">Current round-trip time.</param>
public readonly record struct VideoNetworkSample(double GoodputKbps, double LossFraction, TimeSpan RoundTripTime);
