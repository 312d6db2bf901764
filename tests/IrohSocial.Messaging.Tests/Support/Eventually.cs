namespace IrohSocial.Messaging.Tests.Support;

/// <summary>Polls a condition until it holds (no timing assertion: the timeout only bounds a hung test).</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not reached: {what}.");
            }

            await Task.Delay(25);
        }
    }
}
