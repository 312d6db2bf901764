namespace IrohSocial.Media.Audio;

/// <summary>Which Opus implementation a codec uses.</summary>
public enum OpusImplementation
{
    /// <summary>Native libopus when Concentus can load it, the managed port otherwise.</summary>
    Auto = 0,

    /// <summary>Native libopus; creation fails when it cannot be loaded.</summary>
    Native = 1,

    /// <summary>Concentus' managed C# port of libopus.</summary>
    Managed = 2,
}
