/// Splits arbitrary bytes into ASCII bytes, valid UTF-8 scalars and invalid bytes, so JSON and terminal output
/// can escape exactly what needs escaping. Never traps, whatever the input.
public enum UTF8Scanner {
    public enum Piece {
        case ascii(UInt8)
        /// A valid multi-byte scalar and its encoded bytes.
        case scalar(UInt32, ArraySlice<UInt8>)
        /// A byte that does not start a valid sequence.
        case invalid(UInt8)
    }

    public static func scan<C: Collection>(_ input: C, _ body: (Piece) -> Void) where C.Element == UInt8 {
        let bytes = Array(input)
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                body(.ascii(lead))
                index += 1
                continue
            }
            var length = 0
            var value: UInt32 = 0
            switch lead {
            case 0xc2...0xdf: length = 2; value = UInt32(lead & 0x1f)
            case 0xe0...0xef: length = 3; value = UInt32(lead & 0x0f)
            case 0xf0...0xf4: length = 4; value = UInt32(lead & 0x07)
            default: length = 0
            }
            var valid = length > 0 && length <= count - index
            if valid {
                for offset in 1..<length {
                    let next = bytes[index + offset]
                    guard next & 0xc0 == 0x80 else { valid = false; break }
                    value = value << 6 | UInt32(next & 0x3f)
                }
            }
            if valid {
                switch length {
                case 3: valid = value >= 0x800 && !(0xd800...0xdfff).contains(value)
                case 4: valid = value >= 0x10000 && value <= 0x10ffff
                default: break
                }
            }
            if valid {
                body(.scalar(value, bytes[index..<(index + length)]))
                index += length
            } else {
                body(.invalid(lead))
                index += 1
            }
        }
    }
}
