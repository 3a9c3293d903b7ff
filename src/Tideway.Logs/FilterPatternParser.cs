using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tideway.Logs;

/// <summary>Thrown inside the parser; carries the AWS message.</summary>
internal sealed class FilterPatternException : Exception
{
    public FilterPatternException() : base(LogsErrors.InvalidFilterPattern) { }

    public FilterPatternException(string message) : base(message) { }

    public FilterPatternException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Recursive-descent parser of the filter pattern language. The form is chosen by the first character of the
/// trimmed pattern: <c>{</c> JSON, <c>[</c> space-delimited, <c>%</c> standalone regular expression, anything else
/// terms.
/// </summary>
internal sealed class FilterPatternParser
{
    /// <summary>AWS allows at most two regular expressions in one JSON or space-delimited pattern.</summary>
    private const int MaxRegexes = 2;

    private readonly string _s;
    private readonly int _end;
    private int _i;
    private int _regexes;

    private FilterPatternParser(string s, int start, int end)
    {
        _s = s;
        _i = start;
        _end = end;
    }

    public static LogFilter Parse(string text, out FilterPatternKind kind)
    {
        var t = text.Trim();
        if (t.Length == 0)
        {
            kind = FilterPatternKind.MatchAll;
            return MatchAllFilter.Instance;
        }
        switch (t[0])
        {
            case '{':
                if (t[^1] != '}')
                {
                    throw new FilterPatternException("If a filter pattern starts with '{' it must end with '}'");
                }
                kind = FilterPatternKind.Json;
                return new FilterPatternParser(t, 1, t.Length - 1).ParseJson();
            case '[':
                if (t[^1] != ']')
                {
                    throw new FilterPatternException("If a filter pattern starts with '[' it must end with ']'");
                }
                kind = FilterPatternKind.SpaceDelimited;
                return new FilterPatternParser(t, 1, t.Length - 1).ParseDelimited();
            case '%':
                kind = FilterPatternKind.Regex;
                var parser = new FilterPatternParser(t, 0, t.Length);
                var regex = parser.ReadRegex();
                if (parser._i != t.Length)
                {
                    throw new FilterPatternException();
                }
                return new RegexFilter(regex);
            default:
                kind = FilterPatternKind.Terms;
                return new FilterPatternParser(t, 0, t.Length).ParseTerms();
        }
    }

    // ---- terms ---------------------------------------------------------------------------------------------

    private TermsFilter ParseTerms()
    {
        var all = new List<string>();
        var any = new List<string>();
        var none = new List<string>();
        while (true)
        {
            SkipWhiteSpace();
            if (AtEnd)
            {
                break;
            }
            var target = all;
            if (_s[_i] == '?')
            {
                target = any;
                _i++;
            }
            else if (_s[_i] == '-')
            {
                target = none;
                _i++;
            }
            if (AtEnd || char.IsWhiteSpace(_s[_i]))
            {
                throw new FilterPatternException();
            }
            string term;
            if (_s[_i] == '"')
            {
                term = ReadQuoted();
                if (!AtEnd && !char.IsWhiteSpace(_s[_i]))
                {
                    throw new FilterPatternException();
                }
            }
            else
            {
                var start = _i;
                while (!AtEnd && !char.IsWhiteSpace(_s[_i]))
                {
                    // Terms with characters other than letters, digits and underscore must be quoted.
                    if (!char.IsLetterOrDigit(_s[_i]) && _s[_i] != '_')
                    {
                        throw new FilterPatternException();
                    }
                    _i++;
                }
                term = _s[start.._i];
            }
            target.Add(term);
        }
        return new TermsFilter([.. all], [.. any], [.. none]);
    }

    // ---- JSON ----------------------------------------------------------------------------------------------

    private JsonFilter ParseJson()
    {
        var root = ParseJsonOr();
        SkipWhiteSpace();
        if (!AtEnd)
        {
            throw new FilterPatternException();
        }
        return new JsonFilter(root);
    }

    private JsonExpression ParseJsonOr()
    {
        var left = ParseJsonAnd();
        while (true)
        {
            SkipWhiteSpace();
            if (!TryConsume("||"))
            {
                return left;
            }
            left = new JsonOr(left, ParseJsonAnd());
        }
    }

    private JsonExpression ParseJsonAnd()
    {
        var left = ParseJsonUnary();
        while (true)
        {
            SkipWhiteSpace();
            if (!TryConsume("&&"))
            {
                return left;
            }
            left = new JsonAnd(left, ParseJsonUnary());
        }
    }

    private JsonExpression ParseJsonUnary()
    {
        SkipWhiteSpace();
        if (TryConsume("("))
        {
            var inner = ParseJsonOr();
            SkipWhiteSpace();
            Expect(')');
            return inner;
        }
        return ParseJsonCondition();
    }

    private JsonExpression ParseJsonCondition()
    {
        var path = ParseSelector();
        SkipWhiteSpace();
        if (TryKeyword("IS"))
        {
            SkipWhiteSpace();
            if (TryKeyword("NULL"))
            {
                return new JsonTest(path, JsonTestKind.IsNull);
            }
            if (TryKeyword("TRUE"))
            {
                return new JsonTest(path, JsonTestKind.IsTrue);
            }
            if (TryKeyword("FALSE"))
            {
                return new JsonTest(path, JsonTestKind.IsFalse);
            }
            throw new FilterPatternException();
        }
        if (TryKeyword("NOT"))
        {
            SkipWhiteSpace();
            if (TryKeyword("EXISTS"))
            {
                return new JsonTest(path, JsonTestKind.NotExists);
            }
            throw new FilterPatternException();
        }
        var op = ParseOperator();
        SkipWhiteSpace();
        var value = ParseValue(op);
        return new JsonComparison(path, new Comparison(op, value));
    }

    /// <summary><c>$.name</c> steps with <c>[n]</c> indexes; names are letters, digits, <c>-</c> and <c>_</c>.</summary>
    private JsonPathStep[] ParseSelector()
    {
        if (AtEnd || _s[_i] != '$')
        {
            throw new FilterPatternException();
        }
        _i++;
        var steps = new List<JsonPathStep>();
        while (!AtEnd)
        {
            if (_s[_i] == '.')
            {
                _i++;
                var start = _i;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] is '_' or '-'))
                {
                    _i++;
                }
                if (_i == start)
                {
                    throw new FilterPatternException();
                }
                steps.Add(new JsonPathStep(_s[start.._i], -1));
            }
            else if (_s[_i] == '[')
            {
                // An index must follow a property.
                if (steps.Count == 0)
                {
                    throw new FilterPatternException();
                }
                _i++;
                var start = _i;
                while (!AtEnd && char.IsAsciiDigit(_s[_i]))
                {
                    _i++;
                }
                if (_i == start || !int.TryParse(_s.AsSpan(start, _i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw new FilterPatternException();
                }
                Expect(']');
                steps.Add(new JsonPathStep(null, index));
            }
            else
            {
                break;
            }
        }
        if (steps.Count == 0)
        {
            throw new FilterPatternException();
        }
        return [.. steps];
    }

    // ---- space-delimited -----------------------------------------------------------------------------------

    private DelimitedFilter ParseDelimited()
    {
        var slots = new List<DelimitedSlot>();
        var referenced = new List<string>();
        while (true)
        {
            SkipWhiteSpace();
            slots.Add(ParseSlot(referenced));
            SkipWhiteSpace();
            if (AtEnd)
            {
                break;
            }
            Expect(',');
        }
        if (slots.Count == 1 && slots[0] is { IsEllipsis: false, Name: null })
        {
            throw new FilterPatternException(); // []
        }
        foreach (var name in referenced)
        {
            if (!slots.Exists(s => s.Name == name))
            {
                throw new FilterPatternException();
            }
        }
        return new DelimitedFilter([.. slots]);
    }

    private DelimitedSlot ParseSlot(List<string> referenced)
    {
        if (TryConsume("..."))
        {
            return DelimitedSlot.Ellipsis;
        }
        if (AtEnd || _s[_i] == ',')
        {
            return new DelimitedSlot(null, null, false); // an unnamed field: matches any one field
        }
        var name = ReadFieldName();
        SkipWhiteSpace();
        if (AtEnd || _s[_i] == ',')
        {
            return new DelimitedSlot(name, null, false);
        }
        // Conditions: the first one names the slot implicitly; later ones (after && or ||) name their field.
        var first = new FieldCondition(name, ParseComparison());
        referenced.Add(name);
        var ors = new List<FieldCondition[]>();
        var ands = new List<FieldCondition> { first };
        while (true)
        {
            SkipWhiteSpace();
            bool isAnd;
            if (TryConsume("&&"))
            {
                isAnd = true;
            }
            else if (TryConsume("||"))
            {
                isAnd = false;
            }
            else
            {
                break;
            }
            if (!isAnd)
            {
                ors.Add([.. ands]);
                ands.Clear();
            }
            SkipWhiteSpace();
            var other = ReadFieldName();
            referenced.Add(other);
            SkipWhiteSpace();
            ands.Add(new FieldCondition(other, ParseComparison()));
        }
        ors.Add([.. ands]);
        return new DelimitedSlot(name, [.. ors], false);
    }

    private string ReadFieldName()
    {
        var start = _i;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] == '_'))
        {
            _i++;
        }
        if (_i == start)
        {
            throw new FilterPatternException();
        }
        return _s[start.._i];
    }

    private Comparison ParseComparison()
    {
        var op = ParseOperator();
        SkipWhiteSpace();
        return new Comparison(op, ParseValue(op));
    }

    // ---- shared pieces -------------------------------------------------------------------------------------

    private CompareOp ParseOperator()
    {
        if (TryConsume("!="))
        {
            return CompareOp.NotEqual;
        }
        if (TryConsume("<="))
        {
            return CompareOp.LessOrEqual;
        }
        if (TryConsume(">="))
        {
            return CompareOp.GreaterOrEqual;
        }
        if (TryConsume("="))
        {
            return CompareOp.Equal;
        }
        if (TryConsume("<"))
        {
            return CompareOp.Less;
        }
        if (TryConsume(">"))
        {
            return CompareOp.Greater;
        }
        throw new FilterPatternException();
    }

    /// <summary>A quoted string, a <c>%regex%</c>, a number, or an unquoted string of letters, digits and <c>_ - . * + : /</c>.</summary>
    private PatternValue ParseValue(CompareOp op)
    {
        var relational = op is not (CompareOp.Equal or CompareOp.NotEqual);
        if (AtEnd)
        {
            throw new FilterPatternException();
        }
        if (_s[_i] == '"')
        {
            if (relational)
            {
                throw new FilterPatternException();
            }
            return PatternValue.ForString(ReadQuoted());
        }
        if (_s[_i] == '%')
        {
            if (relational || ++_regexes > MaxRegexes)
            {
                throw new FilterPatternException();
            }
            return PatternValue.ForRegex(ReadRegex());
        }
        var start = _i;
        while (!AtEnd && !char.IsWhiteSpace(_s[_i]) && _s[_i] is not (')' or ',' or '&' or '|'))
        {
            if (!char.IsAsciiLetterOrDigit(_s[_i]) && _s[_i] is not ('_' or '-' or '.' or '*' or '+' or ':' or '/'))
            {
                throw new FilterPatternException();
            }
            _i++;
        }
        if (_i == start)
        {
            throw new FilterPatternException();
        }
        var text = _s[start.._i];
        if (PatternValue.TryParseNumber(text, out var number))
        {
            return PatternValue.ForNumber(number, text);
        }
        if (relational)
        {
            throw new FilterPatternException();
        }
        return PatternValue.ForString(text);
    }

    /// <summary>A double-quoted string; <c>\"</c> and <c>\\</c> are escapes.</summary>
    private string ReadQuoted()
    {
        _i++; // opening quote
        var sb = new StringBuilder();
        while (!AtEnd)
        {
            var c = _s[_i];
            if (c == '\\' && _i + 1 < _end && _s[_i + 1] is '"' or '\\')
            {
                sb.Append(_s[_i + 1]);
                _i += 2;
                continue;
            }
            if (c == '"')
            {
                _i++;
                return sb.ToString();
            }
            sb.Append(c);
            _i++;
        }
        throw new FilterPatternException();
    }

    /// <summary>
    /// <c>%...%</c>: letters, digits, the symbols <c>_ # = @ / ; , - :</c> and space, and the operators
    /// <c>^ $ ? [ ] { } | \ * + .</c>. Parentheses and multi-byte characters are not supported.
    /// </summary>
    private Regex ReadRegex()
    {
        var close = _s.IndexOf('%', _i + 1);
        if (close < 0 || close >= _end || close == _i + 1)
        {
            throw new FilterPatternException();
        }
        var body = _s.Substring(_i + 1, close - _i - 1);
        foreach (var c in body)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "_#=@/;,-: ^$?[]{}|\\*+.".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                throw new FilterPatternException();
            }
        }
        _i = close + 1;
        try
        {
            return new Regex(body, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (ArgumentException e)
        {
            throw new FilterPatternException(LogsErrors.InvalidFilterPattern, e);
        }
        catch (NotSupportedException e)
        {
            throw new FilterPatternException(LogsErrors.InvalidFilterPattern, e);
        }
    }

    private bool AtEnd => _i >= _end;

    private void SkipWhiteSpace()
    {
        while (!AtEnd && char.IsWhiteSpace(_s[_i]))
        {
            _i++;
        }
    }

    private bool TryConsume(string token)
    {
        if (_end - _i >= token.Length && string.CompareOrdinal(_s, _i, token, 0, token.Length) == 0)
        {
            _i += token.Length;
            return true;
        }
        return false;
    }

    /// <summary>A keyword (any case) followed by something that cannot continue a word.</summary>
    private bool TryKeyword(string keyword)
    {
        if (_end - _i < keyword.Length || string.Compare(_s, _i, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0)
        {
            return false;
        }
        var next = _i + keyword.Length;
        if (next < _end && (char.IsAsciiLetterOrDigit(_s[next]) || _s[next] == '_'))
        {
            return false;
        }
        _i = next;
        return true;
    }

    private void Expect(char c)
    {
        if (AtEnd || _s[_i] != c)
        {
            throw new FilterPatternException();
        }
        _i++;
    }
}
