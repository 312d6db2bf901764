// Temporary demo: exercises what the SDK already has (identity keys). It grows into the full
// Alice/Bob demo (messages, offline delivery, attachment, call) as those packages land.
using IrohSocial.Crypto;

using var alice = SecretKey.Generate();
using var bob = SecretKey.Generate();
Console.WriteLine($"alice: {alice.PublicKey}");
Console.WriteLine($"bob:   {bob.PublicKey}");

var message = "hello bob"u8.ToArray();
var signature = alice.Sign(message);
var ok = alice.PublicKey.Verify(message, signature);
Console.WriteLine($"alice's signature verifies: {ok}");
return ok ? 0 : 1;
