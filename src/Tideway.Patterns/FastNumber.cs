using System.Globalization;

namespace Tideway.Patterns;

/// <summary>
/// Reads JSON numbers quickly. Most numbers in events have at most 19 significant digits and a
/// small decimal exponent: for those, the mantissa is read as an integer and scaled by an exact
/// power of ten, which is exact when the mantissa fits in 53 bits (Clinger's fast path) and
/// otherwise within <see cref="RelativeError"/> of the true value. Callers that need the correctly
/// rounded double near a bound ask <see cref="ParseExact"/>.
/// </summary>
internal static class FastNumber
{
    /// <summary>An approximation's value differs from the true value by less than this, relatively.</summary>
    public const double RelativeError = 1e-15;

    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// Reads a number; returns false when it is not of the simple form (then use <see cref="ParseExact"/>).
    /// <paramref name="exact"/> tells whether <paramref name="value"/> is the correctly rounded result.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> raw, out double value, out bool exact)
    {
        value = 0;
        exact = false;
        var i = 0;
        var negative = false;
        if (i < raw.Length && raw[i] == (byte)'-')
        {
            negative = true;
            i++;
        }

        ulong mantissa = 0;
        var digits = 0;
        var exponent = 0;
        var start = i;
        while (i < raw.Length && (uint)(raw[i] - '0') <= 9)
        {
            if (digits < 19)
            {
                mantissa = (mantissa * 10) + (uint)(raw[i] - '0');
                if (mantissa != 0)
                {
                    digits++;
                }
            }
            else
            {
                return false;
            }

            i++;
        }

        if (i == start)
        {
            return false;
        }

        if (i < raw.Length && raw[i] == (byte)'.')
        {
            i++;
            var fractionStart = i;
            while (i < raw.Length && (uint)(raw[i] - '0') <= 9)
            {
                if (digits >= 19)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + (uint)(raw[i] - '0');
                if (mantissa != 0)
                {
                    digits++;
                }

                exponent--;
                i++;
            }

            if (i == fractionStart)
            {
                return false;
            }
        }

        if (i < raw.Length && (raw[i] | 0x20) == (byte)'e')
        {
            i++;
            var exponentNegative = false;
            if (i < raw.Length && (raw[i] == (byte)'-' || raw[i] == (byte)'+'))
            {
                exponentNegative = raw[i] == (byte)'-';
                i++;
            }

            var exponentStart = i;
            var explicitExponent = 0;
            while (i < raw.Length && (uint)(raw[i] - '0') <= 9)
            {
                if (explicitExponent > 10_000)
                {
                    return false;
                }

                explicitExponent = (explicitExponent * 10) + (raw[i] - '0');
                i++;
            }

            if (i == exponentStart)
            {
                return false;
            }

            exponent += exponentNegative ? -explicitExponent : explicitExponent;
        }

        if (i != raw.Length)
        {
            return false;
        }

        if (mantissa == 0)
        {
            value = negative ? -0.0 : 0.0;
            exact = true;
            return true;
        }

        if (exponent < -22 || exponent > 22)
        {
            return false;
        }

        var scaled = exponent < 0 ? mantissa / PowersOfTen[-exponent] : mantissa * PowersOfTen[exponent];
        value = negative ? -scaled : scaled;
        exact = mantissa <= (1UL << 53);
        return true;
    }

    /// <summary>The correctly rounded double of a JSON number, or false when the text is not a number.</summary>
    public static bool ParseExact(ReadOnlySpan<byte> raw, out double value) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Whether an approximation may fall on the other side of, or onto, a bound.</summary>
    public static bool IsNear(double approximation, double bound) =>
        Math.Abs(approximation - bound) <= (Math.Abs(approximation) * RelativeError) + 1e-300;
}
