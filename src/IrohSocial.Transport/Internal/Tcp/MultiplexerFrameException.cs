namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>The peer sent a multiplexer frame that breaks our limits; the connection is closed as a protocol violation.</summary>
internal sealed class MultiplexerFrameException(string message) : IOException(message);
