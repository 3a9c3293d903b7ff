using System.Text;
using System.Text.Json;
using Shouldly;

namespace Tideway.Patterns.Tests;

/// <summary>The vectorized skipper ends every value exactly where a JSON reader does.</summary>
public sealed class JsonSkipperTests
{
    private static readonly string[] Fragments = ["]", "}", "[", "{", "\\\"", "\\\\", "x", "\u00e9", " ", ",", ":"];

    [Fact]
    public void random_values_are_skipped_to_their_exact_end()
    {
        var random = new Random(1100);
        for (var i = 0; i < 3_000; i++)
        {
            var value = new StringBuilder();
            Value(random, value, 0);
            var json = Encoding.UTF8.GetBytes(value + " ,\"after\":1");

            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            reader.Read();
            reader.Skip();
            var expected = (int)reader.BytesConsumed;

            JsonSkipper.SkipValue(json, 0).ShouldBe(expected, value.ToString());
        }
    }

    private static void Value(Random random, StringBuilder builder, int depth)
    {
        switch (depth > 6 ? random.Next(3) : random.Next(6))
        {
            case 0:
                builder.Append('"');
                var length = random.Next(0, 80);
                for (var c = 0; c < length; c++)
                {
                    builder.Append(Fragments[random.Next(Fragments.Length)]);
                }

                builder.Append('"');
                break;
            case 1:
                builder.Append(random.Next(-1000, 1000) / 7.0);
                break;
            case 2:
                builder.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                break;
            case 3:
            case 4:
                builder.Append('[');
                var count = random.Next(0, 6);
                for (var e = 0; e < count; e++)
                {
                    if (e > 0)
                    {
                        builder.Append(',');
                    }

                    Value(random, builder, depth + 1);
                }

                builder.Append(']');
                break;
            default:
                builder.Append('{');
                var members = random.Next(0, 5);
                for (var m = 0; m < members; m++)
                {
                    if (m > 0)
                    {
                        builder.Append(',');
                    }

                    builder.Append("\"k").Append(m).Append("]}\":");
                    Value(random, builder, depth + 1);
                }

                builder.Append('}');
                break;
        }
    }
}
