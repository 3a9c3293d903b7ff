using System.Buffers;
using System.Text;

namespace Tideway.Wire.Internal;

/// <summary>
/// A growable byte buffer that starts on the caller's stack and moves to a pooled array when it
/// outgrows it. One owner; <see cref="Dispose"/> returns the pooled array.
/// </summary>
internal ref struct ByteBuilder
{
    private Span<byte> _buffer;
    private byte[]? _rented;
    private int _length;

    public ByteBuilder(Span<byte> initial)
    {
        _buffer = initial;
        _rented = null;
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Append(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    public void Append(scoped ReadOnlySpan<byte> value)
    {
        if (_length + value.Length > _buffer.Length)
        {
            Grow(value.Length);
        }

        value.CopyTo(_buffer[_length..]);
        _length += value.Length;
    }

    /// <summary>Appends <paramref name="value"/> as UTF-8 (lone surrogates become U+FFFD).</summary>
    public void AppendUtf8(scoped ReadOnlySpan<char> value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_length + max > _buffer.Length)
        {
            Grow(max);
        }

        _length += Encoding.UTF8.GetBytes(value, _buffer[_length..]);
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them for the caller to fill.</summary>
    public Span<byte> AppendSpan(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Grow(count);
        }

        var span = _buffer.Slice(_length, count);
        _length += count;
        return span;
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }

    private void Grow(int needed)
    {
        var size = Math.Max(_buffer.Length * 2, _length + needed);
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer[.._length].CopyTo(next);
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }

        _rented = next;
        _buffer = next;
    }
}
