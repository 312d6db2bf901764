namespace IrohSocial.Mailbox;

/// <summary>What a mailbox answered to a deposit that it did not refuse.</summary>
public enum DepositResult
{
    /// <summary>The blob is stored (durably: the host committed it before answering).</summary>
    Stored = 0,

    /// <summary>This depositor already stored a blob under that id for that owner: a retry, nothing changed.</summary>
    Exists = 1,
}
