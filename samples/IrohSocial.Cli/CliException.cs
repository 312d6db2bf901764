namespace IrohSocial.Cli;

/// <summary>A user-facing error: printed as "error: message" with exit code 1, no stack trace.</summary>
public sealed class CliException(string message, Exception? inner = null) : Exception(message, inner);
