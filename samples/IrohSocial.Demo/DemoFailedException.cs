namespace IrohSocial.Demo;

/// <summary>A demo step did not reach its expected outcome; the message says which and why.</summary>
public sealed class DemoFailedException(string message, Exception? inner = null) : Exception(message, inner);
