using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tideway.Patterns;

/// <summary>An IPv4 or IPv6 network of a <c>cidr</c> match expression.</summary>
internal readonly record struct CidrBlock(bool IsIPv6, UInt128 Network, int PrefixLength)
{
    /// <summary>Parses <c>a.b.c.d/n</c> or an IPv6 network; on failure returns false and the AWS reason.</summary>
    public static bool TryParse(string text, out CidrBlock block, out string? reason)
    {
        block = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || slash != text.LastIndexOf('/') || slash == text.Length - 1)
        {
            reason = "Malformed CIDR, one '/' required";
            return false;
        }

        var addressText = text[..slash];
        var maskText = text[(slash + 1)..];
        if (!int.TryParse(maskText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var bits))
        {
            reason = "Malformed CIDR, mask bits must be an integer";
            return false;
        }

        if (bits < 0)
        {
            reason = "Malformed CIDR, mask bits must not be negative";
            return false;
        }

        if (!LooksLikeIP(addressText))
        {
            reason = "Nonstandard IP address: " + addressText;
            return false;
        }

        if (!TryParseAddress(addressText, out var isIPv6, out var address))
        {
            reason = "Invalid IP address: " + addressText;
            return false;
        }

        var width = isIPv6 ? 128 : 32;
        if (bits >= width)
        {
            // event-ruler rejects a single-address network; EventBridge follows it (docs/compat).
            reason = isIPv6 ? "IPv6 mask bits must be < 128" : "IPv4 mask bits must be < 32";
            return false;
        }

        block = new CidrBlock(isIPv6, address & Mask(bits, width), bits);
        reason = null;
        return true;
    }

    /// <summary>The shapes event-ruler accepts as IP text before it tries to parse them.</summary>
    private static bool LooksLikeIP(string text) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, "^([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+|[0-9a-fA-F:]*:[0-9a-fA-F:]*)$");

    /// <summary>Whether the UTF-8 text is an IP address of the same family inside this network.</summary>
    public bool Contains(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length is 0 or > 64)
        {
            return false;
        }

        Span<char> chars = stackalloc char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0x80)
            {
                return false;
            }

            chars[i] = (char)utf8[i];
        }

        if (!TryParseAddress(chars, out var isIPv6, out var address) || isIPv6 != IsIPv6)
        {
            return false;
        }

        var width = IsIPv6 ? 128 : 32;
        return (address & Mask(PrefixLength, width)) == Network;
    }

    private static UInt128 Mask(int bits, int width)
    {
        if (bits == 0)
        {
            return UInt128.Zero;
        }

        var all = width == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue;
        return (all << (width - bits)) & all;
    }

    private static bool TryParseAddress(ReadOnlySpan<char> text, out bool isIPv6, out UInt128 value)
    {
        value = UInt128.Zero;
        isIPv6 = false;
        if (text.IndexOf(':') < 0)
        {
            return TryParseIPv4(text, out value);
        }

        isIPv6 = true;
        if (text.IndexOfAny('%', '/') >= 0 || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out _))
        {
            return false;
        }

        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary>Strict dotted-quad IPv4: four decimal octets, each 0 to 255.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, out UInt128 value)
    {
        value = UInt128.Zero;
        uint result = 0;
        var octets = 0;
        var i = 0;
        while (octets < 4)
        {
            var start = i;
            uint octet = 0;
            while (i < text.Length && text[i] is >= '0' and <= '9' && i - start < 3)
            {
                octet = (octet * 10) + (uint)(text[i] - '0');
                i++;
            }

            if (i == start || octet > 255)
            {
                return false;
            }

            result = (result << 8) | octet;
            octets++;
            if (octets < 4)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return false;
                }

                i++;
            }
        }

        value = result;
        return i == text.Length;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, Network);
        var address = IsIPv6 ? new IPAddress(bytes) : new IPAddress(bytes[12..]);
        return new StringBuilder().Append(address).Append('/').Append(PrefixLength).ToString();
    }
}
