import Wire

/// Appends JSON to a byte buffer by hand: Foundation's encoder is far too slow for a frame-per-line stream.
/// Any string, whatever bytes it came from, comes out as valid JSON.
public struct JSONWriter {
    public var bytes: [UInt8] = []
    /// Whether the next value or key in the innermost container needs a comma before it. One flag suffices:
    /// opening a container or writing a key clears it, writing any value (a closed container included) sets it.
    private var needsComma = false
    /// Open containers; at depth 0 nothing is separated.
    private var depth = 0

    public init() { bytes.reserveCapacity(512) }

    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
        depth = 0
    }

    @inline(__always)
    private mutating func separator() {
        if needsComma, depth > 0 { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); open() }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); close() }
    public mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); open() }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); close() }

    @inline(__always) private mutating func open() { depth += 1; needsComma = false }
    @inline(__always) private mutating func close() { depth = max(0, depth - 1); needsComma = true }

    /// Writes `"key":` (the value follows with one of the value calls). Keys are literals: plain ASCII copied
    /// as is, with no escaping pass.
    public mutating func key(_ key: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not add another comma.
        needsComma = false
    }

    /// Writes a key computed at run time (escaped like any string).
    public mutating func key(dynamic key: String) {
        separator()
        Self.appendString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    @inline(__always) private mutating func valueSeparator() { separator() }

    public mutating func string(_ value: String) { valueSeparator(); Self.appendString(value, to: &bytes) }
    public mutating func bytesAsString<C: Collection>(_ value: C) where C.Element == UInt8 {
        valueSeparator(); Self.appendString(bytes: value, to: &bytes)
    }
    public mutating func int<I: BinaryInteger>(_ value: I) { valueSeparator(); Self.appendInteger(value, to: &bytes) }
    public mutating func bool(_ value: Bool) { valueSeparator(); bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes) }
    public mutating func null() { valueSeparator(); bytes.append(contentsOf: Self.nullBytes) }
    /// A number written from already-formatted digits (e.g. a timestamp with nine decimals).
    public mutating func raw(_ digits: String) { valueSeparator(); var d = digits; d.withUTF8 { bytes.append(contentsOf: $0) } }
    public mutating func double(_ value: Double) {
        valueSeparator()
        if value.isFinite { var d = "\(value)"; d.withUTF8 { bytes.append(contentsOf: $0) } } else { bytes.append(contentsOf: Self.nullBytes) }
    }

    // Object/array openers used as values after `key`.
    public mutating func objectValue() { valueSeparator(); bytes.append(UInt8(ascii: "{")); open() }
    public mutating func arrayValue() { valueSeparator(); bytes.append(UInt8(ascii: "[")); open() }

    public mutating func field(_ name: StaticString, _ value: String) { key(name); string(value) }
    public mutating func field<I: BinaryInteger>(_ name: StaticString, _ value: I) { key(name); int(value) }
    public mutating func field(_ name: StaticString, _ value: Bool) { key(name); bool(value) }
    public mutating func fieldNull(_ name: StaticString) { key(name); null() }

    /// An IP address as a JSON string, written digit by digit (no intermediate String).
    public mutating func ip(_ address: IPAddress) {
        valueSeparator()
        guard case .v4(let value) = address else {
            Self.appendString(address.description, to: &bytes)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        Self.appendDecimal(UInt64(value >> 24), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.appendDecimal(UInt64((value >> 16) & 0xff), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.appendDecimal(UInt64((value >> 8) & 0xff), to: &bytes)
        bytes.append(UInt8(ascii: "."))
        Self.appendDecimal(UInt64(value & 0xff), to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A timestamp as a JSON number with nine decimals (`seconds.nanoseconds`, e.g. 1764189601.000123456),
    /// written digit by digit.
    public mutating func timestamp(seconds: Int64, nanoseconds: UInt32) {
        valueSeparator()
        Self.appendInteger(seconds, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        var scale: UInt32 = 100_000_000
        while scale > 1, nanoseconds < scale {
            bytes.append(UInt8(ascii: "0"))
            scale /= 10
        }
        Self.appendDecimal(UInt64(nanoseconds), to: &bytes)
    }

    /// A MAC address as a JSON string ("5c:cf:7f:01:02:03").
    public mutating func mac(_ address: MACAddress) {
        valueSeparator()
        bytes.append(UInt8(ascii: "\""))
        for index in 0..<6 {
            let byte = UInt8(truncatingIfNeeded: address.rawValue >> UInt64(40 - 8 * index))
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0f)])
            if index != 5 { bytes.append(UInt8(ascii: ":")) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func appendInteger<I: BinaryInteger>(_ value: I, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        if let magnitude = UInt64(exactly: value.magnitude) {
            appendDecimal(magnitude, to: &bytes)
            return
        }
        // Wider than 64 bits (no caller today): digit by digit.
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        while magnitude > 0 {
            digits.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        }
        bytes.append(contentsOf: digits.reversed())
    }

    /// Decimal digits of `value`, formed on the stack and appended in one copy.
    public static func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits = InlineArray<20, UInt8>(repeating: 0)  // UInt64.max has 20 digits
        var first = 20
        var rest = value
        while rest > 0 {
            first -= 1
            digits[first] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        withUnsafeBytes(of: &digits) { raw in
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[first..<20]))
        }
    }

    /// Appends a JSON string literal for `value` (valid Unicode, so only escaping is needed). Plain printable
    /// ASCII, the usual case, is copied in one go.
    public static func appendString(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != 0x22 && $0 != 0x5c }) {
                bytes.append(UInt8(ascii: "\""))
                bytes.append(contentsOf: utf8)
                bytes.append(UInt8(ascii: "\""))
            } else {
                appendString(bytes: utf8, to: &bytes)
            }
        }
    }

    /// Appends a JSON string literal for arbitrary bytes: valid UTF-8 passes through (escaped), and each invalid
    /// byte becomes U+FFFD so the output is always valid JSON.
    public static func appendString<C: Collection>(bytes input: C, to bytes: inout [UInt8]) where C.Element == UInt8 {
        bytes.append(UInt8(ascii: "\""))
        UTF8Scanner.scan(input) { piece in
            switch piece {
            case .ascii(let byte):
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
                case 0x0a: bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
                case 0x0d: bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
                case 0..<0x20, 0x7f: appendUnicodeEscape(UInt32(byte), to: &bytes)
                default: bytes.append(byte)
                }
            case .scalar(let value, let encoded):
                // C1 controls and the line separators are legal JSON but never useful raw.
                if value < 0xa0 || value == 0x2028 || value == 0x2029 {
                    appendUnicodeEscape(value, to: &bytes)
                } else {
                    bytes.append(contentsOf: encoded)
                }
            case .invalid:
                bytes.append(contentsOf: [0xef, 0xbf, 0xbd])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    static func appendUnicodeEscape(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: [0x5c, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hexDigits[Int((value >> UInt32(shift)) & 0xf)])
        }
    }
}
