import Wire

/// Appends JSON to a byte buffer by hand: Foundation's encoder is far too slow for a frame-per-line stream.
/// Any string, whatever bytes it came from, comes out as valid JSON.
///
/// The text goes into a growable buffer of its own rather than a `[UInt8]`: an array append checks uniqueness
/// (a runtime call) for every byte, and a frame's line is hundreds of small appends. The writer checks once per
/// call instead, so it keeps value semantics: a copy of a writer gets its own buffer before it writes.
public struct JSONWriter {
    private var storage = JSONBuffer(capacity: 512)
    /// Whether the next value or key in the innermost container needs a comma before it. One flag suffices:
    /// opening a container or writing a key clears it, writing any value (a closed container included) sets it.
    private var needsComma = false
    /// Open containers; at depth 0 nothing is separated.
    private var depth = 0

    public init() {}

    /// The text written since the last `reset()` (a copy; `withBytes` lends it without copying).
    public var bytes: [UInt8] {
        get { storage.withBytes { Array($0) } }
        set {
            makeUnique()
            storage.removeAll()
            newValue.withUnsafeBytes { storage.append(raw: $0) }
        }
    }

    /// Lends the text written since the last `reset()`, valid only during `body`.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withBytes(body)
    }

    public mutating func reset() {
        makeUnique()
        storage.removeAll()
        needsComma = false
        depth = 0
    }

    /// Makes the buffer unshared: one uniqueness check per call, not per byte. (The buffer is used in place
    /// through `storage`, never returned, so writing costs no reference counting.)
    @inline(__always)
    private mutating func makeUnique() {
        storage.makeUnique()
    }

    /// The separator a new key or value needs.
    @inline(__always)
    private mutating func separator() {
        makeUnique()
        if needsComma, depth > 0 { storage.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public mutating func beginObject() { separator(); storage.append(UInt8(ascii: "{")); open() }
    public mutating func endObject() { makeUnique(); storage.append(UInt8(ascii: "}")); close() }
    public mutating func beginArray() { separator(); storage.append(UInt8(ascii: "[")); open() }
    public mutating func endArray() { makeUnique(); storage.append(UInt8(ascii: "]")); close() }

    @inline(__always) private mutating func open() { depth += 1; needsComma = false }
    @inline(__always) private mutating func close() { depth = max(0, depth - 1); needsComma = true }

    /// Writes `"key":` (the value follows with one of the value calls). Keys are literals: plain ASCII copied
    /// as is, with no escaping pass.
    public mutating func key(_ key: StaticString) {
        makeUnique()
        writeKey(key)
        // The value that follows must not add another comma.
        needsComma = false
    }

    /// `,"key":` into the (already unique) buffer.
    @inline(__always)
    private mutating func writeKey(_ key: StaticString) {
        if needsComma, depth > 0 { storage.append(UInt8(ascii: ",")) }
        storage.append(UInt8(ascii: "\""))
        storage.append(raw: UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        storage.append(UInt8(ascii: "\""))
        storage.append(UInt8(ascii: ":"))
    }

    /// `"0x"` and four lower-case hex digits as a JSON string ("0x0800"), with no intermediate String.
    public mutating func hex16String(_ value: UInt16) {
        separator()
        storage.append(UInt8(ascii: "\""))
        storage.append(UInt8(ascii: "0"))
        storage.append(UInt8(ascii: "x"))
        storage.append(Self.hexDigit(UInt8(truncatingIfNeeded: value >> 12) & 0xf))
        storage.append(Self.hexDigit(UInt8(truncatingIfNeeded: value >> 8) & 0xf))
        storage.append(Self.hexDigit(UInt8(truncatingIfNeeded: value >> 4) & 0xf))
        storage.append(Self.hexDigit(UInt8(truncatingIfNeeded: value) & 0xf))
        storage.append(UInt8(ascii: "\""))
    }

    /// Writes a key computed at run time (escaped like any string).
    public mutating func key(dynamic key: String) {
        separator()
        Self.appendString(key, to: &storage)
        storage.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separator()
        Self.appendString(value, to: &storage)
    }
    public mutating func bytesAsString<C: Collection>(_ value: C) where C.Element == UInt8 {
        separator()
        Self.appendString(bytes: value, to: &storage)
    }
    public mutating func int<I: BinaryInteger>(_ value: I) {
        separator()
        Self.appendInteger(value, to: &storage)
    }
    public mutating func bool(_ value: Bool) {
        separator()
        storage.append(literal: value ? "true" : "false")
    }
    public mutating func null() {
        separator()
        storage.append(literal: "null")
    }
    /// A number written from already-formatted digits (e.g. a timestamp with nine decimals).
    public mutating func raw(_ digits: String) {
        separator()
        var digits = digits
        digits.withUTF8 { storage.append(raw: UnsafeRawBufferPointer($0)) }
    }
    public mutating func double(_ value: Double) {
        separator()
        guard value.isFinite else { storage.append(literal: "null"); return }
        var text = "\(value)"
        text.withUTF8 { storage.append(raw: UnsafeRawBufferPointer($0)) }
    }

    /// Appends the rest of an object this writer opened — members already written elsewhere, starting with
    /// their comma, and the closing brace — and closes it, as `endObject()` would. The bytes must come from a
    /// `JSONWriter` (they are copied as is).
    public mutating func endObject(withWrittenMembers members: UnsafeRawBufferPointer) {
        makeUnique()
        storage.append(raw: members)
        close()
    }

    // Object/array openers used as values after `key`.
    public mutating func objectValue() { separator(); storage.append(UInt8(ascii: "{")); open() }
    public mutating func arrayValue() { separator(); storage.append(UInt8(ascii: "[")); open() }

    public mutating func field(_ name: StaticString, _ value: String) {
        // One uniqueness check for the key and the value.
        makeUnique()
        writeKey(name)
        Self.appendString(value, to: &storage)
        needsComma = true
    }
    public mutating func field<I: BinaryInteger>(_ name: StaticString, _ value: I) { key(name); int(value) }
    // The common integer types without generics: callers in other modules would otherwise get the unspecialised
    // generic (every digit through BinaryInteger witnesses).
    public mutating func int(_ value: Int) { separator(); storage.appendInt(value) }
    public mutating func int(_ value: UInt32) { separator(); storage.appendDecimal(UInt64(value)) }
    public mutating func int(_ value: UInt16) { separator(); storage.appendDecimal(UInt64(value)) }
    public mutating func int(_ value: UInt8) { separator(); storage.appendDecimal(UInt64(value)) }
    // Key and value with one uniqueness check.
    public mutating func field(_ name: StaticString, _ value: Int) {
        makeUnique(); writeKey(name); storage.appendInt(value); needsComma = true
    }
    public mutating func field(_ name: StaticString, _ value: UInt32) {
        makeUnique(); writeKey(name); storage.appendDecimal(UInt64(value)); needsComma = true
    }
    public mutating func field(_ name: StaticString, _ value: UInt16) {
        makeUnique(); writeKey(name); storage.appendDecimal(UInt64(value)); needsComma = true
    }
    public mutating func field(_ name: StaticString, _ value: UInt8) {
        makeUnique(); writeKey(name); storage.appendDecimal(UInt64(value)); needsComma = true
    }
    public mutating func field(_ name: StaticString, _ value: Bool) {
        makeUnique(); writeKey(name); storage.append(literal: value ? "true" : "false"); needsComma = true
    }
    public mutating func fieldNull(_ name: StaticString) {
        makeUnique(); writeKey(name); storage.append(literal: "null"); needsComma = true
    }

    /// An IP address as a JSON string, written digit by digit (no intermediate String).
    public mutating func ip(_ address: IPAddress) {
        separator()
        guard case .v4(let value) = address else {
            Self.appendString(address.description, to: &storage)
            return
        }
        storage.appendQuotedIPv4(value)
    }

    /// A timestamp as a JSON number with nine decimals (`seconds.nanoseconds`, e.g. 1764189601.000123456),
    /// written digit by digit.
    public mutating func timestamp(seconds: Int64, nanoseconds: UInt32) {
        separator()
        storage.appendInt(Int(seconds))
        storage.append(UInt8(ascii: "."))
        var scale: UInt32 = 100_000_000
        while scale > 1, nanoseconds < scale {
            storage.append(UInt8(ascii: "0"))
            scale /= 10
        }
        storage.appendDecimal(UInt64(nanoseconds))
    }

    /// A MAC address as a JSON string ("5c:cf:7f:01:02:03").
    public mutating func mac(_ address: MACAddress) {
        separator()
        storage.appendQuotedMAC(address)
    }

    /// Lower-case hex digit of a value below 16.
    @inline(__always) static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }

    public static func appendInteger<I: BinaryInteger>(_ value: I, to bytes: inout some JSONOutput) {
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
        for digit in digits.reversed() { bytes.append(digit) }
    }

    /// Decimal digits of `value`, formed on the stack and appended in one copy.
    public static func appendDecimal(_ value: UInt64, to bytes: inout some JSONOutput) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        // Two digits per division; UInt64.max has 20 digits. A tuple, not an InlineArray: no bounds checks.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var first = 20
            var rest = value
            while rest >= 100 {
                let pair = Int(truncatingIfNeeded: rest % 100)
                rest /= 100
                first -= 2
                raw[first] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair / 10)
                raw[first + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: pair % 10)
            }
            if rest >= 10 {
                first -= 2
                raw[first] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest / 10)
                raw[first + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            } else {
                first -= 1
                raw[first] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
            }
            bytes.append(raw: UnsafeRawBufferPointer(rebasing: raw[first..<20]))
        }
    }

    /// Appends a JSON string literal for `value` (valid Unicode, so only escaping is needed). Plain printable
    /// ASCII, the usual case, is copied in one go.
    public static func appendString(_ value: String, to bytes: inout some JSONOutput) {
        var value = value
        value.withUTF8 { utf8 in
            if isPlain(utf8) {
                bytes.append(UInt8(ascii: "\""))
                bytes.append(raw: UnsafeRawBufferPointer(utf8))
                bytes.append(UInt8(ascii: "\""))
            } else {
                appendEscaped(validUTF8: utf8, to: &bytes)
            }
        }
    }

    /// True when every byte is printable ASCII other than `"` and `\\` (copied as is). Eight bytes per step:
    /// each test below is exact as a yes/no answer (a borrow only spreads upward from a byte that matched), and
    /// any hit sends the string to the byte-by-byte path.
    static func isPlain(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return true }
        let count = utf8.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        // Safe: each load reads 8 bytes at `index` with count - index >= 8.
        while count - index >= 8 {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            var hits = word & highs                               // >= 0x80
            hits |= (word &- ones &* 0x20) & ~word & highs       // < 0x20
            let quote = word ^ (ones &* 0x22)
            hits |= (quote &- ones) & ~quote & highs             // "
            let backslash = word ^ (ones &* 0x5c)
            hits |= (backslash &- ones) & ~backslash & highs     // \\
            let delete = word ^ (ones &* 0x7f)
            hits |= (delete &- ones) & ~delete & highs           // DEL
            if hits != 0 { return false }
            index += 8
        }
        while index < count {
            let byte = utf8[index]
            guard byte >= 0x20, byte < 0x7f, byte != 0x22, byte != 0x5c else { return false }
            index += 1
        }
        return true
    }

    /// Appends a JSON string literal for arbitrary bytes: valid UTF-8 passes through (escaped), and each invalid
    /// byte becomes U+FFFD so the output is always valid JSON.
    public static func appendString<C: Collection>(bytes input: C, to bytes: inout some JSONOutput)
        where C.Element == UInt8 {
        bytes.append(UInt8(ascii: "\""))
        UTF8Scanner.scan(input) { piece in
            switch piece {
            case .ascii(let byte):
                switch byte {
                case UInt8(ascii: "\""): bytes.append(0x5c); bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5c); bytes.append(0x5c)
                case 0x0a: bytes.append(0x5c); bytes.append(UInt8(ascii: "n"))
                case 0x0d: bytes.append(0x5c); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5c); bytes.append(UInt8(ascii: "t"))
                case 0..<0x20, 0x7f: appendUnicodeEscape(UInt32(byte), to: &bytes)
                default: bytes.append(byte)
                }
            case .scalar(let value, let encoded):
                // C1 controls and the line separators are legal JSON but never useful raw.
                if value < 0xa0 || value == 0x2028 || value == 0x2029 {
                    appendUnicodeEscape(value, to: &bytes)
                } else {
                    for byte in encoded { bytes.append(byte) }
                }
            case .invalid:
                bytes.append(0xef); bytes.append(0xbf); bytes.append(0xbd)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `appendString(bytes:to:)` for a String's bytes, which are always valid UTF-8: runs that need no escape
    /// are copied in one go; only ASCII controls, `"`, `\\`, DEL, C1 controls and U+2028/2029 are escaped
    /// (exactly what the scanner path escapes), with no per-byte closure call.
    static func appendEscaped(validUTF8 utf8: UnsafeBufferPointer<UInt8>, to bytes: inout some JSONOutput) {
        bytes.append(UInt8(ascii: "\""))
        let count = utf8.count
        var index = 0
        var runStart = 0
        while index < count {
            let byte = utf8[index]
            var length = 0  // bytes of the scalar to escape here, 0 for none
            var scalar: UInt32 = 0
            if byte < 0x80 {
                if byte < 0x20 || byte == 0x22 || byte == 0x5c || byte == 0x7f {
                    length = 1
                    scalar = UInt32(byte)
                }
            } else if byte == 0xc2, count - index >= 2, utf8[index + 1] < 0xa0 {
                length = 2  // U+0080…U+009F
                scalar = UInt32(utf8[index + 1])
            } else if byte == 0xe2, count - index >= 3, utf8[index + 1] == 0x80,
                      utf8[index + 2] == 0xa8 || utf8[index + 2] == 0xa9 {
                length = 3  // U+2028, U+2029
                scalar = utf8[index + 2] == 0xa8 ? 0x2028 : 0x2029
            }
            guard length > 0 else {
                index += 1
                continue
            }
            if runStart < index {
                bytes.append(raw: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<index])))
            }
            switch scalar {
            case 0x22: bytes.append(0x5c); bytes.append(0x22)
            case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
            case 0x0a: bytes.append(0x5c); bytes.append(UInt8(ascii: "n"))
            case 0x0d: bytes.append(0x5c); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5c); bytes.append(UInt8(ascii: "t"))
            default: appendUnicodeEscape(scalar, to: &bytes)
            }
            index += length
            runStart = index
        }
        if runStart < count {
            bytes.append(raw: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<count])))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    static func appendUnicodeEscape(_ value: UInt32, to bytes: inout some JSONOutput) {
        bytes.append(0x5c)
        bytes.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hexDigit(UInt8(truncatingIfNeeded: (value >> UInt32(shift)) & 0xf)))
        }
    }
}

/// Where `JSONWriter`'s helpers append: a `[UInt8]`, or the writer's own buffer.
public protocol JSONOutput {
    mutating func append(_ byte: UInt8)
    mutating func append(raw bytes: UnsafeRawBufferPointer)
}

extension Array: JSONOutput where Element == UInt8 {
    public mutating func append(raw bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}

/// A growable byte buffer: appending is a capacity test and a store. Pointer, count and capacity live in this
/// struct, not in a class: every append to a class's stored property cost a runtime exclusivity check
/// (`swift_beginAccess`), several per JSON key. `owner` frees the memory and tells whether a copy of the
/// writer shares it (the writer calls `makeUnique()` before it writes).
struct JSONBuffer: JSONOutput {
    private var owner: JSONAllocation
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written.
    private(set) var count = 0

    init(capacity: Int) {
        let capacity = max(16, capacity)
        owner = JSONAllocation(capacity: capacity)
        base = owner.base
        self.capacity = capacity
    }

    /// Gives this buffer its own memory if a copy of the writer shares it.
    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&owner) { copyStorage() }
    }

    private mutating func copyStorage() {
        let allocation = JSONAllocation(capacity: capacity)
        allocation.base.update(from: base, count: count)
        owner = allocation
        base = allocation.base
    }

    /// Forgets what was written, keeping the allocation.
    mutating func removeAll() { count = 0 }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // `self` (and so `owner`) is borrowed for the whole call: the memory stays allocated during `body`.
        // (`withExtendedLifetime` here ran unspecialised from other modules: ~400 instructions a line.)
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(1) }
        // count < capacity: the store is inside the allocation.
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(raw bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let length = bytes.count
        if length > capacity - count { grow(length) }
        // capacity - count ≥ length after grow: the copy stays inside the allocation. Keys and short values
        // are copied in a loop: a memcpy call costs more than the copy at these sizes.
        let target = base + count
        if length <= 16 {
            for index in 0..<length { target[index] = source.load(fromByteOffset: index, as: UInt8.self) }
        } else {
            UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: length)
        }
        count += length
    }

    /// The decimal digits of `value`, written in place from the last digit back, two per division.
    mutating func appendDecimal(_ value: UInt64) {
        // Digit count from the bit length (log10(2) ≈ 1233/4096), corrected by one comparison.
        let bits = 64 - value.leadingZeroBitCount
        var digits = (bits &* 1233) >> 12
        if digits < 20, value >= JSONBuffer.powerOfTen(digits) { digits += 1 }
        digits = max(1, digits)
        if digits > capacity - count { grow(digits) }
        // Writes stay in [count, count + digits), inside the allocation after grow.
        let pairs = JSONBuffer.digitPairs.utf8Start
        var position = count + digits
        var rest = value
        while rest >= 100 {
            let pair = Int(truncatingIfNeeded: rest % 100) &* 2
            rest /= 100
            position -= 2
            base[position] = pairs[pair]
            base[position + 1] = pairs[pair + 1]
        }
        if rest >= 10 {
            let pair = Int(truncatingIfNeeded: rest) &* 2
            base[position - 2] = pairs[pair]
            base[position - 1] = pairs[pair + 1]
        } else {
            base[position - 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
        count += digits
    }

    /// 10^exponent for exponent in 0...19.
    @inline(__always)
    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        switch exponent {
        case 0: return 1
        case 1: return 10
        case 2: return 100
        case 3: return 1_000
        case 4: return 10_000
        case 5: return 100_000
        case 6: return 1_000_000
        case 7: return 10_000_000
        case 8: return 100_000_000
        case 9: return 1_000_000_000
        case 10: return 10_000_000_000
        case 11: return 100_000_000_000
        case 12: return 1_000_000_000_000
        case 13: return 10_000_000_000_000
        case 14: return 100_000_000_000_000
        case 15: return 1_000_000_000_000_000
        case 16: return 10_000_000_000_000_000
        case 17: return 100_000_000_000_000_000
        case 18: return 1_000_000_000_000_000_000
        default: return 10_000_000_000_000_000_000
        }
    }

    /// `"a.b.c.d"`: at most 17 bytes, one capacity check, digits stored directly.
    mutating func appendQuotedIPv4(_ value: UInt32) {
        let longest = IPAddress.dottedQuadMaximumLength + 2
        if longest > capacity - count { grow(longest) }
        // The quotes and the quad all fall in count ..< count + longest <= capacity.
        base[count] = UInt8(ascii: "\"")
        let written = IPAddress.writeDottedQuad(
            value, into: UnsafeMutableBufferPointer(start: base + count + 1, count: IPAddress.dottedQuadMaximumLength))
        base[count + 1 + written] = UInt8(ascii: "\"")
        count += written + 2
    }

    /// `"5c:cf:7f:01:02:03"`: 19 bytes, one capacity check.
    mutating func appendQuotedMAC(_ address: MACAddress) {
        let length = MACAddress.textLength + 2
        if length > capacity - count { grow(length) }
        // Stores at count ..< count + 19 <= capacity.
        base[count] = UInt8(ascii: "\"")
        let written = address.writeText(into: UnsafeMutableBufferPointer(start: base + count + 1,
                                                                         count: MACAddress.textLength))
        base[count + 1 + written] = UInt8(ascii: "\"")
        count += written + 2
    }

    /// A signed integer: "-" then the magnitude.
    @inline(__always)
    mutating func appendInt(_ value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(UInt64(value.magnitude))
    }

    /// "00", "01", … "99".
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Appends a short ASCII literal.
    @inline(__always)
    mutating func append(literal: StaticString) {
        append(raw: UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let allocation = JSONAllocation(capacity: newCapacity)
        allocation.base.update(from: base, count: count)
        // The old memory goes with the old owner (freed unless a copy of the writer still uses it).
        owner = allocation
        base = allocation.base
        capacity = newCapacity
    }
}

/// The memory behind a `JSONBuffer`.
final class JSONAllocation {
    let base: UnsafeMutablePointer<UInt8>
    init(capacity: Int) { base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity) }
    deinit { base.deallocate() }
}
