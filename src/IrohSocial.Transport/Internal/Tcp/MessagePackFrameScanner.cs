namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// Follows the MessagePack structure of the multiplexer's inbound frames byte by byte, without buffering, and refuses
/// a frame longer than a limit or nested deeper than a limit as soon as its headers say so. MultiplexingStream buffers
/// a whole frame before parsing it and sets no bound of its own, so without this a peer could declare a 4 GiB
/// payload and make us buffer all of it (found by a test). Written by hand: MessagePack-CSharp's reader needs the
/// whole element in memory, which is exactly what must not happen here.
/// </summary>
internal sealed class MessagePackFrameScanner(int maxFrameBytes, int maxDepth = 16)
{
    private readonly int[] _remaining = new int[maxDepth]; // elements still expected at each open array/map level
    private readonly byte[] _header = new byte[9];
    private int _depth;
    private int _headerLength;
    private long _skip;        // payload bytes of the current str/bin/ext still to pass
    private long _frameBytes;  // bytes of the current top-level element so far

    /// <summary>Top-level frames completed so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Scans the next bytes of the stream.</summary>
    /// <exception cref="MultiplexerFrameException">A frame is over the limit, too deep, or uses the reserved byte 0xC1.</exception>
    public void Scan(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_skip > 0)
            {
                var n = (int)Math.Min(_skip, data.Length);
                data = data[n..];
                _skip -= n;
                _frameBytes += n;
                if (_skip == 0)
                {
                    ElementDone();
                }

                continue;
            }

            _header[_headerLength++] = data[0];
            data = data[1..];
            _frameBytes++;
            if (_headerLength < HeaderLength(_header[0]))
            {
                continue;
            }

            _headerLength = 0;
            OnHeader();
        }
    }

    private void OnHeader()
    {
        var type = _header[0];
        long payload;
        long children;
        switch (type)
        {
            case <= 0x7F or >= 0xE0 or 0xC0 or 0xC2 or 0xC3 or (>= 0xCA and <= 0xD3):
                (payload, children) = (0, 0); // scalars: the header is the whole element
                break;
            case >= 0xD4 and <= 0xD8:
                (payload, children) = (1 + (1 << (type - 0xD4)), 0); // fixext: type byte + 1..16 data bytes
                break;
            case >= 0x80 and <= 0x8F:
                (payload, children) = (0, 2 * (type & 0x0F));
                break;
            case >= 0x90 and <= 0x9F:
                (payload, children) = (0, type & 0x0F);
                break;
            case >= 0xA0 and <= 0xBF:
                (payload, children) = (type & 0x1F, 0);
                break;
            case 0xC4 or 0xD9:
                (payload, children) = (_header[1], 0);
                break;
            case 0xC5 or 0xDA:
                (payload, children) = (Be16(), 0);
                break;
            case 0xC6 or 0xDB:
                (payload, children) = (Be32(), 0);
                break;
            case 0xC7:
                (payload, children) = (_header[1] + 1L, 0);
                break;
            case 0xC8:
                (payload, children) = (Be16() + 1L, 0);
                break;
            case 0xC9:
                (payload, children) = (Be32() + 1L, 0);
                break;
            case 0xDC:
                (payload, children) = (0, Be16());
                break;
            case 0xDD:
                (payload, children) = (0, Be32());
                break;
            case 0xDE:
                (payload, children) = (0, 2L * Be16());
                break;
            case 0xDF:
                (payload, children) = (0, 2L * Be32());
                break;
            default:
                throw new MultiplexerFrameException($"The byte 0x{type:X2} is not valid MessagePack.");
        }

        // Every element takes at least one byte, so the declared sizes alone can prove a frame too long.
        if (_frameBytes + payload + children > maxFrameBytes)
        {
            throw new MultiplexerFrameException($"A multiplexer frame declares more than {maxFrameBytes} bytes.");
        }

        if (children > 0)
        {
            if (_depth == _remaining.Length)
            {
                throw new MultiplexerFrameException($"A multiplexer frame nests deeper than {_remaining.Length} levels.");
            }

            _remaining[_depth++] = (int)children;
        }
        else if (payload > 0)
        {
            _skip = payload;
        }
        else
        {
            ElementDone();
        }
    }

    private void ElementDone()
    {
        while (_depth > 0)
        {
            if (--_remaining[_depth - 1] > 0)
            {
                return;
            }

            _depth--;
        }

        Frames++;
        _frameBytes = 0;
    }

    private long Be16() => (_header[1] << 8) | _header[2];

    private long Be32() => ((long)_header[1] << 24) | ((long)_header[2] << 16) | ((long)_header[3] << 8) | _header[4];

    private static int HeaderLength(byte type) => type switch
    {
        // Length-prefixed kinds: the prefix. Fixed-size scalars (ints, floats): the whole element.
        0xC4 or 0xD9 or 0xC7 or 0xCC or 0xD0 => 2,
        0xC5 or 0xDA or 0xDC or 0xDE or 0xC8 or 0xCD or 0xD1 => 3,
        0xC6 or 0xDB or 0xDD or 0xDF or 0xC9 or 0xCE or 0xD2 or 0xCA => 5,
        0xCF or 0xD3 or 0xCB => 9,
        _ => 1,
    };
}
