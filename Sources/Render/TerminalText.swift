/// Makes packet-derived text safe for a terminal: only SocketScope's own colour codes may reach it.
/// ESC and the other C0 and C1 controls, DEL, invalid UTF-8 and bidirectional overrides are shown escaped
/// (`\x1b`, `\u202e`); printable text passes through.
public enum TerminalText {
    /// Escapes arbitrary bytes. `keepNewlines` lets LF (and CRLF) through for multi-line views such as `follow`.
    public static func escape<C: Collection>(bytes: C, keepNewlines: Bool = false) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        UTF8Scanner.scan(bytes) { piece in
            switch piece {
            case .ascii(let byte):
                switch byte {
                case 0x0a where keepNewlines: out.append(byte)
                case 0x0d where keepNewlines: out.append(contentsOf: Array("\\r".utf8))
                case 0x09: out.append(contentsOf: Array("\\t".utf8))
                case 0x0a: out.append(contentsOf: Array("\\n".utf8))
                case 0x0d: out.append(contentsOf: Array("\\r".utf8))
                case 0x5c: out.append(contentsOf: [0x5c, 0x5c])
                case 0..<0x20, 0x7f: appendHexEscape(byte, to: &out)
                default: out.append(byte)
                }
            case .scalar(let value, let encoded):
                if isUnsafeScalar(value) {
                    out.append(contentsOf: Array("\\u".utf8))
                    let hex = String(value, radix: 16)
                    out.append(contentsOf: Array((String(repeating: "0", count: max(0, 4 - hex.count)) + hex).utf8))
                } else {
                    out.append(contentsOf: encoded)
                }
            case .invalid(let byte):
                appendHexEscape(byte, to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes a string that came from the network (a hostname, a header value).
    public static func escape(_ text: String, keepNewlines: Bool = false) -> String {
        // Fast path: plain printable ASCII needs nothing.
        let plain = text.utf8.withContiguousStorageIfAvailable { isSafe($0) }
            ?? text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != 0x5c })
        if plain { return text }
        return escape(bytes: Array(text.utf8), keepNewlines: keepNewlines)
    }

    /// True when `escape(bytes:)` would return these bytes unchanged: printable ASCII other than `\\`, and
    /// multi-byte scalars that are not unsafe (a String's bytes are valid UTF-8; anything unexpected answers
    /// false, which only means the exact path runs). Lets text such as "a → b" skip the byte-by-byte escaper.
    static func isSafe(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = utf8.count
        var index = 0
        while index < count {
            let lead = utf8[index]
            if lead < 0x80 {
                guard lead >= 0x20, lead < 0x7f, lead != 0x5c else { return false }
                index += 1
                continue
            }
            let length: Int
            var value: UInt32
            switch lead {
            case 0xc2...0xdf: length = 2; value = UInt32(lead & 0x1f)
            case 0xe0...0xef: length = 3; value = UInt32(lead & 0x0f)
            case 0xf0...0xf4: length = 4; value = UInt32(lead & 0x07)
            default: return false
            }
            guard length <= count - index else { return false }
            for offset in 1..<length {
                let next = utf8[index + offset]
                guard next & 0xc0 == 0x80 else { return false }
                value = value << 6 | UInt32(next & 0x3f)
            }
            // The scanner's validity rules (never false for a Swift String, kept so the answer is exact).
            if length == 3, value < 0x800 || (0xd800...0xdfff).contains(value) { return false }
            if length == 4, value < 0x10000 || value > 0x10ffff { return false }
            if isUnsafeScalar(value) { return false }
            index += length
        }
        return true
    }

    /// C1 controls, bidirectional embeddings/overrides/isolates and marks, and the line/paragraph separators.
    static func isUnsafeScalar(_ value: UInt32) -> Bool {
        switch value {
        case 0x80..<0xa0, 0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069: return true
        default: return false
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendHexEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(contentsOf: Array("\\x".utf8))
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0x0f)])
    }
}

/// SocketScope's own colours. Used only when stdout is a terminal and `NO_COLOR` is unset.
public struct Palette: Sendable {
    public var enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    /// Colour is on for a terminal unless NO_COLOR is set (https://no-color.org).
    public static func forOutput(isTerminal: Bool, environment: [String: String]) -> Palette {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return Palette(enabled: isTerminal && !noColor)
    }

    public func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1b}[\(code)m" + text + "\u{1b}[0m" : text
    }
}
