using System.Globalization;
using System.Text;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>
/// The fast number reader must never change an outcome: its exact results are the correctly rounded
/// double, its approximations stay within the stated error, and numbers next to a bound are decided
/// by the exact value.
/// </summary>
public sealed class FastNumberTests
{
    private static double Exact(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("5")]
    [InlineData("5.0")]
    [InlineData("5e0")]
    [InlineData("0.5e1")]
    [InlineData("-122.42916360922355")]
    [InlineData("37.81643275731165")]
    [InlineData("1e22")]
    [InlineData("1e-22")]
    [InlineData("9007199254740993")]
    [InlineData("1234567890123456789")]
    [InlineData("0.000000000000000000001")]
    public void reads_numbers_exactly_or_within_the_error_bound(string text)
    {
        if (!FastNumber.TryRead(Encoding.ASCII.GetBytes(text), out var value, out var exact))
        {
            return; // left to the exact parser
        }

        if (exact)
        {
            value.ShouldBe(Exact(text));
        }
        else
        {
            Math.Abs(value - Exact(text)).ShouldBeLessThanOrEqualTo(Math.Abs(Exact(text)) * FastNumber.RelativeError);
        }
    }

    [Fact]
    public void random_numbers_are_read_exactly_or_within_the_error_bound()
    {
        var random = new Random(20261125);
        var checkedCount = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var text = RandomNumber(random);
            if (!FastNumber.TryRead(Encoding.ASCII.GetBytes(text), out var value, out var exact))
            {
                continue;
            }

            var expected = Exact(text);
            if (exact)
            {
                value.ShouldBe(expected, text);
            }
            else
            {
                Math.Abs(value - expected).ShouldBeLessThanOrEqualTo(Math.Abs(expected) * FastNumber.RelativeError, text);
            }

            checkedCount++;
        }

        checkedCount.ShouldBeGreaterThan(100_000);
    }

    [Fact]
    public void numbers_next_to_a_range_bound_are_decided_by_their_exact_value()
    {
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++)
        {
            var bound = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 9));
            var boundText = bound.ToString("R", CultureInfo.InvariantCulture);
            using var matcher = new PatternMatcher<string>();
            matcher.Add("lt", "{\"n\":[{\"numeric\":[\"<\"," + boundText + "]}]}");
            matcher.Add("ge", "{\"n\":[{\"numeric\":[\">=\"," + boundText + "]}]}");
            matcher.Add("eq", "{\"n\":[{\"numeric\":[\"=\"," + boundText + "]}]}");
            foreach (var candidate in new[] { Math.BitDecrement(bound), bound, Math.BitIncrement(bound) })
            {
                // 17 significant digits: the reader approximates these, so nearness must send them to the exact parser.
                var text = candidate.ToString("E16", CultureInfo.InvariantCulture);
                var value = Exact(text);
                var matched = matcher.Match(Encoding.UTF8.GetBytes("{\"n\":" + text + "}"));
                matched.Contains("lt").ShouldBe(value < bound, text + " < " + boundText);
                matched.Contains("ge").ShouldBe(value >= bound, text + " >= " + boundText);
                matched.Contains("eq").ShouldBe(value == bound, text + " = " + boundText);
            }
        }
    }

    private static string RandomNumber(Random random)
    {
        var builder = new StringBuilder();
        if (random.Next(2) == 0)
        {
            builder.Append('-');
        }

        var integerDigits = random.Next(1, 12);
        builder.Append((char)('1' + random.Next(9)));
        for (var d = 1; d < integerDigits; d++)
        {
            builder.Append((char)('0' + random.Next(10)));
        }

        if (random.Next(3) != 0)
        {
            builder.Append('.');
            var fractionDigits = random.Next(1, 12);
            for (var d = 0; d < fractionDigits; d++)
            {
                builder.Append((char)('0' + random.Next(10)));
            }
        }

        if (random.Next(4) == 0)
        {
            builder.Append('e').Append(random.Next(-15, 15).ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
