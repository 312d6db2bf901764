using CsCheck;
using IrohSocial.Media.Audio.Internal;

namespace IrohSocial.Media.Tests.Audio;

public sealed class ReceiverReportTests
{
    [Fact]
    public void WriteTo_KnownAnswer()
    {
        var bytes = new byte[ReceiverReport.Size];
        new ReceiverReport(0x01020304, 20_000, 50, 8_800).WriteTo(bytes);
        Assert.Equal("01020304" + "00004e20" + "0032" + "00002260", Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void TryRead_AnyBytes_NeverThrowsAndRoundTripsWhenValid()
    {
        Gen.Byte.Array[0, 20].Sample(bytes =>
        {
            if (ReceiverReport.TryRead(bytes, out ReceiverReport report))
            {
                var again = new byte[ReceiverReport.Size];
                report.WriteTo(again);
                Assert.Equal(bytes, again);
                Assert.InRange(report.LossPermille, 0, 1000);
            }
        });
    }
}
