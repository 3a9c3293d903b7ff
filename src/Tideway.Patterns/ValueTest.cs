using System.Text;

namespace Tideway.Patterns;

/// <summary>The kind of one leaf value of an event, as the scanner sees it.</summary>
internal enum LeafKind : byte
{
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>What one element of a pattern's value array asks of a leaf value.</summary>
internal enum TestKind : byte
{
    ExactString,
    ExactNumber,
    ExactTrue,
    ExactFalse,
    ExactNull,
    Exists,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
    EqualsIgnoreCase,
    Wildcard,
    Numeric,
    Cidr,
    AnythingBut,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButIgnoreCase,
    AnythingButWildcard,
}

/// <summary>
/// One test of a leaf value: an exact value or one match expression of the pattern language.
/// Immutable once built; <see cref="Key"/> identifies equal tests so that rules share them.
/// </summary>
internal sealed class ValueTest
{
    private ValueTest(TestKind kind, string key)
    {
        Kind = kind;
        Key = key;
    }

    public TestKind Kind { get; }

    /// <summary>A canonical description; two tests with the same key test the same thing.</summary>
    public string Key { get; }

    /// <summary>UTF-8 text of the test (exact string, prefix, suffix; case-folded for the ignore-case kinds).</summary>
    public byte[] Text { get; private init; } = [];

    public double Number { get; private init; }

    public NumericRange Range { get; private init; }

    public WildcardPattern? Wildcard { get; private init; }

    public CidrBlock Cidr { get; private init; }

    /// <summary>For anything-but with values: the strings (folded for the ignore-case kind).</summary>
    public byte[][] Strings { get; private init; } = [];

    /// <summary>For anything-but with wildcards: the patterns.</summary>
    public WildcardPattern[] Wildcards { get; private init; } = [];

    /// <summary>For anything-but with values: the numbers.</summary>
    public double[] Numbers { get; private init; } = [];

    public static ValueTest ExactString(string value) =>
        new(TestKind.ExactString, "s:" + value) { Text = Encoding.UTF8.GetBytes(value) };

    public static ValueTest ExactNumber(double value) =>
        new(TestKind.ExactNumber, "n:" + value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) { Number = value };

    public static ValueTest Literal(TestKind kind) => new(kind, kind.ToString());

    public static ValueTest Exists() => new(TestKind.Exists, "exists");

    public static ValueTest ForText(TestKind kind, string value)
    {
        var folded = kind is TestKind.PrefixIgnoreCase or TestKind.SuffixIgnoreCase or TestKind.EqualsIgnoreCase or TestKind.AnythingButIgnoreCase
            ? CaseFolding.Fold(value)
            : value;
        return new(kind, kind + ":" + folded) { Text = Encoding.UTF8.GetBytes(folded) };
    }

    public static ValueTest ForWildcard(TestKind kind, WildcardPattern pattern) =>
        new(kind, kind + ":" + pattern.Source) { Wildcard = pattern };

    public static ValueTest ForRange(NumericRange range) => new(TestKind.Numeric, "range:" + range) { Range = range };

    public static ValueTest ForCidr(CidrBlock block) => new(TestKind.Cidr, "cidr:" + block) { Cidr = block };

    public static ValueTest AnythingBut(IReadOnlyList<string> strings, IReadOnlyList<double> numbers)
    {
        var sortedStrings = strings.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var sortedNumbers = numbers.Distinct().Order().ToArray();
        var key = "but:" + string.Join("\u0001", sortedStrings) + "\u0002" + string.Join(",", sortedNumbers.Select(n => n.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        return new(TestKind.AnythingBut, key)
        {
            Strings = sortedStrings.Select(Encoding.UTF8.GetBytes).ToArray(),
            Numbers = sortedNumbers,
        };
    }

    /// <summary>anything-but with one or more prefixes or suffixes.</summary>
    public static ValueTest AnythingButAffix(TestKind kind, IReadOnlyList<string> affixes)
    {
        var sorted = affixes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return new(kind, kind + ":" + string.Join("\u0001", sorted)) { Strings = sorted.Select(Encoding.UTF8.GetBytes).ToArray() };
    }

    /// <summary>anything-but with one or more wildcard patterns.</summary>
    public static ValueTest AnythingButWildcards(IReadOnlyList<WildcardPattern> patterns) =>
        new(TestKind.AnythingButWildcard, "butwild:" + string.Join("\u0001", patterns.Select(p => p.Source).Order(StringComparer.Ordinal)))
        {
            Wildcards = [.. patterns],
        };

    public static ValueTest AnythingButIgnoreCase(IReadOnlyList<string> strings)
    {
        var folded = strings.Select(CaseFolding.Fold).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return new(TestKind.AnythingButIgnoreCase, "butic:" + string.Join("\u0001", folded))
        {
            Strings = folded.Select(Encoding.UTF8.GetBytes).ToArray(),
        };
    }

    /// <summary>
    /// Tests a leaf value. <paramref name="text"/> is the unescaped UTF-8 of a string (or the raw
    /// text of a number), <paramref name="folded"/> its case-folded form when the kind needs it.
    /// </summary>
    public bool Matches(LeafKind kind, ReadOnlySpan<byte> text, double number, ReadOnlySpan<byte> folded)
    {
        switch (Kind)
        {
            case TestKind.ExactString:
                return kind == LeafKind.String && text.SequenceEqual(Text);
            case TestKind.ExactNumber:
                return kind == LeafKind.Number && number == Number;
            case TestKind.ExactTrue:
                return kind == LeafKind.True;
            case TestKind.ExactFalse:
                return kind == LeafKind.False;
            case TestKind.ExactNull:
                return kind == LeafKind.Null;
            case TestKind.Exists:
                return true;
            case TestKind.Prefix:
                return kind == LeafKind.String && text.StartsWith(Text);
            case TestKind.Suffix:
                return kind == LeafKind.String && text.EndsWith(Text);
            case TestKind.PrefixIgnoreCase:
                return kind == LeafKind.String && folded.StartsWith(Text);
            case TestKind.SuffixIgnoreCase:
                return kind == LeafKind.String && folded.EndsWith(Text);
            case TestKind.EqualsIgnoreCase:
                return kind == LeafKind.String && folded.SequenceEqual(Text);
            case TestKind.Wildcard:
                return kind == LeafKind.String && Wildcard!.IsMatch(text);
            case TestKind.Numeric:
                return kind == LeafKind.Number && Range.Contains(number);
            case TestKind.Cidr:
                return kind == LeafKind.String && Cidr.Contains(text);
            case TestKind.AnythingBut:
                if (kind == LeafKind.String)
                {
                    foreach (var s in Strings)
                    {
                        if (text.SequenceEqual(s))
                        {
                            return false;
                        }
                    }
                }
                else if (kind == LeafKind.Number)
                {
                    foreach (var n in Numbers)
                    {
                        if (n == number)
                        {
                            return false;
                        }
                    }
                }

                return true;
            case TestKind.AnythingButIgnoreCase:
                if (kind == LeafKind.String)
                {
                    foreach (var s in Strings)
                    {
                        if (folded.SequenceEqual(s))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case TestKind.AnythingButPrefix:
                if (kind == LeafKind.String)
                {
                    foreach (var s in Strings)
                    {
                        if (text.StartsWith(s))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case TestKind.AnythingButSuffix:
                if (kind == LeafKind.String)
                {
                    foreach (var s in Strings)
                    {
                        if (text.EndsWith(s))
                        {
                            return false;
                        }
                    }
                }

                return true;
            case TestKind.AnythingButWildcard:
                if (kind == LeafKind.String)
                {
                    foreach (var w in Wildcards)
                    {
                        if (w.IsMatch(text))
                        {
                            return false;
                        }
                    }
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether <see cref="Matches"/> reads the folded text.</summary>
    public bool NeedsFolding => Kind is TestKind.PrefixIgnoreCase or TestKind.SuffixIgnoreCase or TestKind.EqualsIgnoreCase or TestKind.AnythingButIgnoreCase;
}
