using System.Globalization;

namespace Tideway.Patterns;

/// <summary>
/// Describes the first syntax error of a pattern that is not valid JSON in the words EventBridge
/// uses (those of its JSON parser), with the location suffix <c>at [Source: ...; line: L, column: C]</c>
/// that EventBridge keeps in the message for these errors.
/// </summary>
internal static class JsonSyntax
{
    private const string ExpectingValue = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

    public static string? Describe(string text)
    {
        var scanner = new Scanner(text);
        try
        {
            scanner.SkipSpace();
            if (scanner.AtEnd)
            {
                return "Filter is not an object";
            }

            scanner.Value();
            return null;
        }
        catch (SyntaxError e)
        {
            return e.Reason;
        }
    }

    private sealed class SyntaxError(string reason) : Exception(reason)
    {
        public string Reason { get; } = reason;
    }

    private sealed class Scanner(string text)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public void SkipSpace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\r' or '\n')
            {
                _pos++;
            }
        }

        public void Value()
        {
            if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                throw new SyntaxError("The pattern nests too deeply");
            }

            SkipSpace();
            if (AtEnd)
            {
                throw Fail("Unexpected end-of-input: expected a value", 0);
            }

            var c = text[_pos];
            switch (c)
            {
                case '{':
                    Object();
                    return;
                case '[':
                    Array();
                    return;
                case '"':
                    String();
                    return;
                case '-':
                case >= '0' and <= '9':
                    while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] is '-' or '+' or '.' or 'e' or 'E'))
                    {
                        _pos++;
                    }

                    return;
                case ']' or '}' or ',' or ':':
                    throw Unexpected(c, "expected a value");
                default:
                    var start = _pos;
                    while (_pos < text.Length && !char.IsWhiteSpace(text[_pos]) && text[_pos] is not (',' or ':' or '[' or ']' or '{' or '}' or '"'))
                    {
                        _pos++;
                    }

                    var token = text[start.._pos];
                    if (token is "true" or "false" or "null")
                    {
                        return;
                    }

                    throw Fail("Unrecognized token '" + token + "': " + ExpectingValue, 1);
            }
        }

        private void Object()
        {
            _pos++;
            SkipSpace();
            if (!AtEnd && text[_pos] == '}')
            {
                _pos++;
                return;
            }

            while (true)
            {
                SkipSpace();
                if (AtEnd)
                {
                    throw Fail("Unexpected end-of-input: expected close marker for Object", 0);
                }

                if (text[_pos] != '"')
                {
                    throw Unexpected(text[_pos], "was expecting double-quote to start field name");
                }

                String();
                SkipSpace();
                if (AtEnd || text[_pos] != ':')
                {
                    throw AtEnd ? Fail("Unexpected end-of-input: expected close marker for Object", 0) : Unexpected(text[_pos], "was expecting a colon to separate field name and value");
                }

                _pos++;
                Value();
                SkipSpace();
                if (AtEnd)
                {
                    throw Fail("Unexpected end-of-input: expected close marker for Object", 0);
                }

                if (text[_pos] == '}')
                {
                    _pos++;
                    return;
                }

                if (text[_pos] != ',')
                {
                    throw Unexpected(text[_pos], "was expecting comma to separate Object entries");
                }

                _pos++;
            }
        }

        private void Array()
        {
            _pos++;
            SkipSpace();
            if (!AtEnd && text[_pos] == ']')
            {
                _pos++;
                return;
            }

            while (true)
            {
                Value();
                SkipSpace();
                if (AtEnd)
                {
                    throw Fail("Unexpected end-of-input: expected close marker for Array", 0);
                }

                if (text[_pos] == ']')
                {
                    _pos++;
                    return;
                }

                if (text[_pos] != ',')
                {
                    throw Unexpected(text[_pos], "was expecting comma to separate Array entries");
                }

                _pos++;
            }
        }

        private void String()
        {
            _pos++;
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (c == '\\')
                {
                    _pos += 2;
                    continue;
                }

                if (c == '"')
                {
                    _pos++;
                    return;
                }

                if (c < ' ')
                {
                    throw Fail("Illegal unquoted character ((CTRL-CHAR, code " + (int)c + ")): has to be escaped using backslash to be included in string value", 1);
                }

                _pos++;
            }

            throw Fail("Unexpected end-of-input: was expecting closing quote for a string value", 0);
        }

        private SyntaxError Unexpected(char c, string expectation)
        {
            var shown = "'" + c + "' (code " + ((int)c).ToString(CultureInfo.InvariantCulture) + ")";
            return Fail("Unexpected character (" + shown + "): " + expectation, 1);
        }

        /// <summary>An error whose column is the 1-based position of the current character plus <paramref name="offset"/> - 1.</summary>
        private SyntaxError Fail(string reason, int offset) => new(reason + Location(offset));

        public string Location(int offset)
        {
            var line = 1;
            var lineStart = 0;
            var end = Math.Min(_pos, text.Length);
            for (var i = 0; i < end; i++)
            {
                if (text[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            var column = _pos - lineStart + offset;
            return "\n at [Source: (String)\"" + text + "\"; line: " + line.ToString(CultureInfo.InvariantCulture)
                + ", column: " + column.ToString(CultureInfo.InvariantCulture) + "]";
        }
    }
}
