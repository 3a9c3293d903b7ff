using System.Globalization;

namespace Tideway.Patterns;

/// <summary>A numeric interval of a <c>numeric</c> match expression; an absent bound is infinite.</summary>
internal readonly record struct NumericRange(double Lower, bool LowerInclusive, double Upper, bool UpperInclusive)
{
    public static NumericRange Equal(double value) => new(value, true, value, true);

    public bool Contains(double value)
    {
        if (double.IsNaN(value))
        {
            return false;
        }

        var aboveLower = LowerInclusive ? value >= Lower : value > Lower;
        var belowUpper = UpperInclusive ? value <= Upper : value < Upper;
        return aboveLower && belowUpper;
    }

    public override string ToString() =>
        (LowerInclusive ? "[" : "(") + Lower.ToString("R", CultureInfo.InvariantCulture) + "," +
        Upper.ToString("R", CultureInfo.InvariantCulture) + (UpperInclusive ? "]" : ")");
}
