import Wire

/// Appends JSON to a byte buffer by hand: Foundation's encoder is far too slow for a frame-per-line stream.
/// Any string, whatever bytes it came from, comes out as valid JSON.
///
/// The text goes into a growable buffer of its own rather than a `[UInt8]`: an array append checks uniqueness
/// (a runtime call) for every byte, and a frame's line is hundreds of small appends. The writer checks once per
/// call instead, so it keeps value semantics: a copy of a writer gets its own buffer before it writes. Code that
/// writes many members in a row can lend the writer out as a `UniqueJSONWriter` (`withUnique`), which needs no
/// check at all.
public struct JSONWriter {
    private var core = JSONCore()

    public init() {}

    /// The text written since the last `reset()` (a copy; `withBytes` lends it without copying).
    public var bytes: [UInt8] {
        get { core.storage.withBytes { Array($0) } }
        set {
            makeUnique()
            core.storage.removeAll()
            newValue.withUnsafeBytes { core.storage.append(raw: $0) }
        }
    }

    /// Bytes written since the last `reset()`.
    public var byteCount: Int { core.storage.count }

    /// Starts a new top-level value after the text written so far, which stays: several lines share one writer,
    /// delimited by `byteCount` (a line may be left open, for the thread that prints it to finish).
    public mutating func startLine() { core.startLine() }

    /// Appends bytes as they are (text already formed: a line's part prepared elsewhere, or plain text). The
    /// writer's comma state does not change: after JSON written this way, `resumeObject()` says where it stands.
    @inline(__always)
    public mutating func appendRaw(_ bytes: UnsafeRawBufferPointer) {
        makeUnique()
        core.storage.append(raw: bytes)
    }

    /// Appends the decimal digits of `value`, as they are (a number spliced into text written by `appendRaw`).
    public mutating func appendRaw(decimal value: UInt64) {
        makeUnique()
        core.storage.appendDecimal(value)
    }

    /// Lends the writer's buffer to `body` as a `TextLine` that continues after the text written so far (a text
    /// line written into a batch's buffer, as JSON lines are). The buffer moves into the line and back: no copy.
    public mutating func withTextLine<R>(palette: Palette, _ body: (inout TextLine) -> R) -> R {
        makeUnique()
        return withUnsafeMutablePointer(to: &core.storage) { storage in
            var line = TextLine(storage: storage.move(), palette: palette)
            let result = body(&line)
            storage.initialize(to: line.takeStorage())
            return result
        }
    }

    /// Ends a line of output.
    @inline(__always)
    public mutating func appendNewline() {
        makeUnique()
        core.storage.append(0x0a)
    }

    /// Continues a top-level object whose opening brace and at least one member were appended raw: the next key
    /// gets a comma, and `endObject()` closes it.
    public mutating func resumeObject() { core.resumeObject() }

    /// Bytes the writer can hold before it grows.
    public var byteCapacity: Int { core.storage.byteCapacity }

    /// Makes room for `capacity` bytes in all, so writing up to that much never copies the text to grow.
    public mutating func reserveCapacity(_ capacity: Int) {
        makeUnique()
        core.storage.reserveCapacity(capacity)
    }

    /// Lends the text written since the last `reset()`, valid only during `body`.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try core.storage.withBytes(body)
    }

    public mutating func reset() {
        makeUnique()
        core.reset()
    }

    /// Lends this writer to `body` as a `UniqueJSONWriter`: the same calls, writing the same text, without a
    /// uniqueness check each. One check here covers them all: the writer cannot be reached while `body` runs
    /// (exclusive access to `self`), and the lent writer cannot be copied. It pays inside this module, where the
    /// calls inline; from another module neither this nor the lent writer's calls are inlined (measured: the
    /// CLI's six-member line head got slower), so there the plain calls are the better choice.
    @inline(__always)
    public mutating func withUnique<R>(_ body: (inout UniqueJSONWriter) -> R) -> R {
        makeUnique()
        return withUnsafeMutablePointer(to: &core) { core in
            // The state moves into the lent writer and back (it may have grown into new memory): never two
            // references to the buffer, so no reference counting.
            var unique = UniqueJSONWriter(core: core.move())
            let result = body(&unique)
            core.initialize(to: unique.takeCore())
            return result
        }
    }

    /// Makes the buffer unshared: one uniqueness check per call, not per byte. (The buffer is used in place
    /// through `core`, never returned, so writing costs no reference counting.)
    @inline(__always)
    private mutating func makeUnique() {
        core.storage.makeUnique()
    }

    public mutating func beginObject() { makeUnique(); core.beginObject() }
    public mutating func endObject() { makeUnique(); core.endObject() }
    public mutating func beginArray() { makeUnique(); core.beginArray() }
    public mutating func endArray() { makeUnique(); core.endArray() }
    // Object/array openers used as values after `key`.
    public mutating func objectValue() { makeUnique(); core.beginObject() }
    public mutating func arrayValue() { makeUnique(); core.beginArray() }
    /// Appends the rest of an object this writer opened — members already written elsewhere, starting with
    /// their comma, and the closing brace — and closes it, as `endObject()` would. The bytes must come from a
    /// `JSONWriter` (they are copied as is).
    public mutating func endObject(withWrittenMembers members: UnsafeRawBufferPointer) {
        makeUnique(); core.endObject(withWrittenMembers: members)
    }

    /// Writes `"key":` (the value follows with one of the value calls). Keys are literals: plain ASCII copied
    /// as is, with no escaping pass.
    public mutating func key(_ key: StaticString) { makeUnique(); core.key(key) }
    /// Writes a key computed at run time (escaped like any string).
    public mutating func key(dynamic key: String) { makeUnique(); core.key(dynamic: key) }

    public mutating func string(_ value: String) { makeUnique(); core.string(value) }
    /// A string value known when the program was written (a state or flag name): plain printable ASCII with no
    /// `"` or `\\`, so it is copied as is, with no escaping pass (debug builds check that).
    public mutating func string(literal value: StaticString) { makeUnique(); core.string(literal: value) }
    public mutating func bytesAsString<C: Collection>(_ value: C) where C.Element == UInt8 {
        makeUnique(); core.bytesAsString(value)
    }
    public mutating func int<I: BinaryInteger>(_ value: I) { makeUnique(); core.int(value) }
    // The common integer types without generics: callers in other modules would otherwise get the unspecialised
    // generic (every digit through BinaryInteger witnesses).
    public mutating func int(_ value: Int) { makeUnique(); core.int(value) }
    public mutating func int(_ value: UInt32) { makeUnique(); core.int(value) }
    public mutating func int(_ value: UInt16) { makeUnique(); core.int(UInt32(value)) }
    public mutating func int(_ value: UInt8) { makeUnique(); core.int(UInt32(value)) }
    public mutating func bool(_ value: Bool) { makeUnique(); core.bool(value) }
    public mutating func null() { makeUnique(); core.null() }
    /// A number written from already-formatted digits (e.g. a timestamp with nine decimals).
    public mutating func raw(_ digits: String) { makeUnique(); core.raw(digits) }
    public mutating func double(_ value: Double) { makeUnique(); core.double(value) }
    /// `"0x"` and four lower-case hex digits as a JSON string ("0x0800"), with no intermediate String.
    public mutating func hex16String(_ value: UInt16) { makeUnique(); core.hex16String(value) }
    /// An IP address as a JSON string, written digit by digit (no intermediate String).
    public mutating func ip(_ address: IPAddress) { makeUnique(); core.ip(address) }
    /// A MAC address as a JSON string ("5c:cf:7f:01:02:03").
    public mutating func mac(_ address: MACAddress) { makeUnique(); core.mac(address) }
    /// A timestamp as a JSON number with nine decimals (`seconds.nanoseconds`, e.g. 1764189601.000123456),
    /// written digit by digit.
    public mutating func timestamp(seconds: Int64, nanoseconds: UInt32) {
        makeUnique(); core.timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }
    /// A time in nanoseconds since the epoch as a JSON number of seconds with nine decimals, sign first
    /// (-0.000000001), as `SessionReport.epoch` spells it.
    public mutating func timestamp(nanoseconds: Int64) { makeUnique(); core.timestamp(nanoseconds: nanoseconds) }

    // Key and value with one uniqueness check.
    public mutating func field(_ name: StaticString, _ value: String) { makeUnique(); core.field(name, value) }
    /// `"name":"value"` for a value known when the program was written (see `string(literal:)`).
    public mutating func field(_ name: StaticString, literal value: StaticString) {
        makeUnique(); core.field(name, literal: value)
    }
    public mutating func field<I: BinaryInteger>(_ name: StaticString, _ value: I) {
        makeUnique(); core.key(name); core.int(value)
    }
    public mutating func field(_ name: StaticString, _ value: Int) { makeUnique(); core.field(name, value) }
    public mutating func field(_ name: StaticString, _ value: Int64) { makeUnique(); core.field(name, value) }
    public mutating func field(_ name: StaticString, _ value: UInt32) { makeUnique(); core.field(name, value) }
    public mutating func field(_ name: StaticString, _ value: UInt16) { makeUnique(); core.field(name, UInt32(value)) }
    public mutating func field(_ name: StaticString, _ value: UInt8) { makeUnique(); core.field(name, UInt32(value)) }
    public mutating func field(_ name: StaticString, _ value: Bool) { makeUnique(); core.field(name, value) }
    public mutating func fieldNull(_ name: StaticString) { makeUnique(); core.fieldNull(name) }
}

/// A `JSONWriter` lent out by `withUnique`: the same calls, writing the same text, without the per-call
/// uniqueness check (its buffer is known to be unshared). It cannot be copied, so that stays true; inlined into
/// the caller, a run of members also keeps the comma state in registers and each key's length constant.
public struct UniqueJSONWriter: ~Copyable {
    var core: JSONCore

    init(core: JSONCore) { self.core = core }

    /// Gives the state back to the writer that lent it.
    consuming func takeCore() -> JSONCore { core }

    @inline(__always) public mutating func beginObject() { core.beginObject() }
    @inline(__always) public mutating func endObject() { core.endObject() }
    @inline(__always) public mutating func beginArray() { core.beginArray() }
    @inline(__always) public mutating func endArray() { core.endArray() }
    @inline(__always) public mutating func objectValue() { core.beginObject() }
    @inline(__always) public mutating func arrayValue() { core.beginArray() }
    public mutating func endObject(withWrittenMembers members: UnsafeRawBufferPointer) {
        core.endObject(withWrittenMembers: members)
    }

    @inline(__always) public mutating func key(_ key: StaticString) { core.key(key) }
    public mutating func key(dynamic key: String) { core.key(dynamic: key) }
    /// Bytes written so far (where the next value will start, once its separator is written).
    var byteCount: Int { core.storage.count }

    public mutating func string(_ value: String) { core.string(value) }
    @inline(__always) public mutating func string(literal value: StaticString) { core.string(literal: value) }
    public mutating func bytesAsString<C: Collection>(_ value: C) where C.Element == UInt8 { core.bytesAsString(value) }
    public mutating func int<I: BinaryInteger>(_ value: I) { core.int(value) }
    @inline(__always) public mutating func int(_ value: Int) { core.int(value) }
    @inline(__always) public mutating func int(_ value: UInt32) { core.int(value) }
    @inline(__always) public mutating func int(_ value: UInt16) { core.int(UInt32(value)) }
    @inline(__always) public mutating func int(_ value: UInt8) { core.int(UInt32(value)) }
    @inline(__always) public mutating func bool(_ value: Bool) { core.bool(value) }
    @inline(__always) public mutating func null() { core.null() }
    public mutating func raw(_ digits: String) { core.raw(digits) }
    public mutating func double(_ value: Double) { core.double(value) }
    @inline(__always) public mutating func hex16String(_ value: UInt16) { core.hex16String(value) }
    @inline(__always) public mutating func ip(_ address: IPAddress) { core.ip(address) }
    @inline(__always) public mutating func mac(_ address: MACAddress) { core.mac(address) }
    public mutating func timestamp(seconds: Int64, nanoseconds: UInt32) {
        core.timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }
    public mutating func timestamp(nanoseconds: Int64) { core.timestamp(nanoseconds: nanoseconds) }

    public mutating func field(_ name: StaticString, _ value: String) { core.field(name, value) }
    @inline(__always) public mutating func field(_ name: StaticString, literal value: StaticString) {
        core.field(name, literal: value)
    }
    public mutating func field<I: BinaryInteger>(_ name: StaticString, _ value: I) { core.key(name); core.int(value) }
    @inline(__always) public mutating func field(_ name: StaticString, _ value: Int) { core.field(name, value) }
    public mutating func field(_ name: StaticString, _ value: Int64) { core.field(name, value) }
    @inline(__always) public mutating func field(_ name: StaticString, _ value: UInt32) { core.field(name, value) }
    @inline(__always) public mutating func field(_ name: StaticString, _ value: UInt16) {
        core.field(name, UInt32(value))
    }
    @inline(__always) public mutating func field(_ name: StaticString, _ value: UInt8) {
        core.field(name, UInt32(value))
    }
    @inline(__always) public mutating func field(_ name: StaticString, _ value: Bool) { core.field(name, value) }
    @inline(__always) public mutating func fieldNull(_ name: StaticString) { core.fieldNull(name) }
}

/// A writer can be handed to another thread (the workers' lines go to the thread that merges them): like an
/// array's, its buffer is copied before a write whenever another copy shares it, so no memory is ever written
/// while another writer can read it.
extension JSONWriter: @unchecked Sendable {}

/// What both writers do, into a buffer the caller made unique.
struct JSONCore {
    var storage = JSONBuffer(capacity: 512)
    /// Whether the next value or key in the innermost container needs a comma before it. One flag suffices:
    /// opening a container or writing a key clears it, writing any value (a closed container included) sets it.
    private var needsComma = false
    /// Open containers; at depth 0 nothing is separated.
    private var depth = 0

    mutating func reset() {
        storage.removeAll()
        startLine()
    }

    mutating func startLine() {
        needsComma = false
        depth = 0
    }

    /// Inside a top-level object, after a member.
    mutating func resumeObject() {
        needsComma = true
        depth = 1
    }

    /// The separator a new key or value needs.
    @inline(__always)
    private mutating func separator() {
        if needsComma, depth > 0 { storage.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    @inline(__always) mutating func beginObject() { separator(); storage.append(UInt8(ascii: "{")); open() }
    @inline(__always) mutating func endObject() { storage.append(UInt8(ascii: "}")); close() }
    @inline(__always) mutating func beginArray() { separator(); storage.append(UInt8(ascii: "[")); open() }
    @inline(__always) mutating func endArray() { storage.append(UInt8(ascii: "]")); close() }

    @inline(__always) private mutating func open() { depth += 1; needsComma = false }
    @inline(__always) private mutating func close() { depth = max(0, depth - 1); needsComma = true }

    mutating func endObject(withWrittenMembers members: UnsafeRawBufferPointer) {
        storage.append(raw: members)
        close()
    }

    @inline(__always)
    mutating func key(_ key: StaticString) {
        writeKey(key)
        // The value that follows must not add another comma.
        needsComma = false
    }

    /// `,"key":`.
    @inline(__always)
    private mutating func writeKey(_ key: StaticString) {
        storage.appendKey(key, comma: needsComma && depth > 0)
    }

    mutating func key(dynamic key: String) {
        separator()
        JSONWriter.appendString(key, to: &storage)
        storage.append(UInt8(ascii: ":"))
        needsComma = false
    }

    @inline(__always)
    mutating func hex16String(_ value: UInt16) {
        separator()
        storage.appendQuotedHex16(value)
    }

    mutating func string(_ value: String) {
        separator()
        JSONWriter.appendString(value, to: &storage)
    }
    @inline(__always)
    mutating func string(literal value: StaticString) {
        separator()
        storage.appendQuoted(literal: value)
    }
    mutating func bytesAsString<C: Collection>(_ value: C) where C.Element == UInt8 {
        separator()
        JSONWriter.appendString(bytes: value, to: &storage)
    }
    mutating func int<I: BinaryInteger>(_ value: I) {
        separator()
        JSONWriter.appendInteger(value, to: &storage)
    }
    @inline(__always) mutating func int(_ value: Int) { separator(); storage.appendInt(value) }
    @inline(__always) mutating func int(_ value: UInt32) { separator(); storage.appendDecimal(value) }
    @inline(__always)
    mutating func bool(_ value: Bool) {
        separator()
        storage.append(literal: value ? "true" : "false")
    }
    @inline(__always)
    mutating func null() {
        separator()
        storage.append(literal: "null")
    }
    mutating func raw(_ digits: String) {
        separator()
        var digits = digits
        digits.withUTF8 { storage.append(raw: UnsafeRawBufferPointer($0)) }
    }
    mutating func double(_ value: Double) {
        separator()
        guard value.isFinite else { storage.append(literal: "null"); return }
        var text = "\(value)"
        text.withUTF8 { storage.append(raw: UnsafeRawBufferPointer($0)) }
    }

    mutating func field(_ name: StaticString, _ value: String) {
        writeKey(name)
        JSONWriter.appendString(value, to: &storage)
        needsComma = true
    }
    @inline(__always)
    mutating func field(_ name: StaticString, literal value: StaticString) {
        writeKey(name); storage.appendQuoted(literal: value); needsComma = true
    }
    @inline(__always)
    mutating func field(_ name: StaticString, _ value: Int) {
        storage.appendKey(name, comma: needsComma && depth > 0, decimal: value); needsComma = true
    }
    mutating func field(_ name: StaticString, _ value: Int64) {
        // Int is 64 bits wherever this runs; the generic path covers any other platform.
        if let value = Int(exactly: value) {
            field(name, value)
        } else {
            key(name)
            int(value)
        }
    }
    @inline(__always)
    mutating func field(_ name: StaticString, _ value: UInt32) {
        storage.appendKey(name, comma: needsComma && depth > 0, decimal: value); needsComma = true
    }
    @inline(__always)
    mutating func field(_ name: StaticString, _ value: Bool) {
        writeKey(name); storage.append(literal: value ? "true" : "false"); needsComma = true
    }
    @inline(__always)
    mutating func fieldNull(_ name: StaticString) {
        writeKey(name); storage.append(literal: "null"); needsComma = true
    }

    @inline(__always)
    mutating func ip(_ address: IPAddress) {
        separator()
        guard case .v4(let value) = address else {
            JSONWriter.appendString(address.description, to: &storage)
            return
        }
        storage.appendQuotedIPv4(value)
    }

    mutating func timestamp(seconds: Int64, nanoseconds: UInt32) {
        separator()
        storage.appendInt(Int(seconds))
        storage.append(UInt8(ascii: "."))
        if nanoseconds < 1_000_000_000 {
            storage.appendNineDigits(nanoseconds)
        } else {
            // Not a fraction of a second (a malformed record): all its digits, as it always was.
            storage.appendDecimal(nanoseconds)
        }
    }

    mutating func timestamp(nanoseconds: Int64) {
        separator()
        // Sign first, then the magnitude: a time before 1970 is still one JSON number.
        if nanoseconds < 0 { storage.append(UInt8(ascii: "-")) }
        let magnitude = nanoseconds.magnitude
        storage.appendDecimal(magnitude / 1_000_000_000)
        storage.append(UInt8(ascii: "."))
        storage.appendNineDigits(UInt32(truncatingIfNeeded: magnitude % 1_000_000_000))
    }

    @inline(__always)
    mutating func mac(_ address: MACAddress) {
        separator()
        storage.appendQuotedMAC(address)
    }
}

extension JSONWriter {
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

    /// True when every byte is printable ASCII other than `"` and `\\` (copied as is). Eight bytes per step
    /// (`needsALook`); any hit sends the string to the escaping path.
    static func isPlain(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return true }
        let count = utf8.count
        var index = 0
        // Safe: each load reads 8 bytes at `index` with count - index >= 8.
        while count - index >= 8 {
            if needsALook(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) { return false }
            index += 8
        }
        while index < count {
            let byte = utf8[index]
            guard byte >= 0x20, byte < 0x7f, byte != 0x22, byte != 0x5c else { return false }
            index += 1
        }
        return true
    }

    /// True when one of the eight bytes in `word` is not printable ASCII or is `"`, `\\` or DEL. Each test is exact as
    /// a yes/no answer (a borrow only spreads upward from a byte that matched).
    @inline(__always)
    static func needsALook(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var hits = word & highs                               // >= 0x80
        hits |= (word &- ones &* 0x20) & ~word & highs       // < 0x20
        let quote = word ^ (ones &* 0x22)
        hits |= (quote &- ones) & ~quote & highs             // "
        let backslash = word ^ (ones &* 0x5c)
        hits |= (backslash &- ones) & ~backslash & highs     // \\
        let delete = word ^ (ones &* 0x7f)
        hits |= (delete &- ones) & ~delete & highs           // DEL
        return hits != 0
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
            // Eight plain bytes at a time (a board's description, a diagnosis: long, mostly plain, with a quote or
            // an arrow somewhere); a word with anything else goes through the byte test below, one byte at a time.
            if let base = utf8.baseAddress {
                // Safe: each load reads 8 bytes at `index` with count - index >= 8.
                while count - index >= 8, !needsALook(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                    index += 8
                }
                guard index < count else { break }
            }
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

    var byteCapacity: Int { capacity }

    mutating func reserveCapacity(_ total: Int) {
        if total > capacity { grow(total - count) }
    }

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
        reserve(length)
        // The copy falls in count ..< count + length, reserved above.
        Self.copy(source, length, to: UnsafeMutableRawPointer(base + count))
        count &+= length
    }

    /// Makes room for `length` more bytes: afterwards the stores at `count ..< count + length` are inside the
    /// allocation.
    @inline(__always)
    private mutating func reserve(_ length: Int) {
        // 0 <= count <= capacity always: the difference cannot overflow.
        if length > capacity &- count { grow(length) }
    }

    /// Copies `length` bytes. Short copies (keys, names, small values) take a few word moves — two overlapping
    /// ones cover any length between one word and two — as a memcpy call costs more than the copy at these sizes.
    /// Every load is inside `source ..< source + length` and every store inside `target ..< target + length`.
    @inline(__always)
    private static func copy(_ source: UnsafeRawPointer, _ length: Int, to target: UnsafeMutableRawPointer) {
        switch length {
        case 8...16:
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: length - 8, as: UInt64.self)
        case 4...7:
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: length - 4, as: UInt32.self)
        case 2...3:
            let head = source.loadUnaligned(as: UInt16.self)
            let tail = source.loadUnaligned(fromByteOffset: length - 2, as: UInt16.self)
            target.storeBytes(of: head, as: UInt16.self)
            target.storeBytes(of: tail, toByteOffset: length - 2, as: UInt16.self)
        case 1:
            target.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
        case 0:
            break
        default:
            target.copyMemory(from: source, byteCount: length)
        }
    }

    /// `"key":`, after a comma if `comma`: one capacity check for the whole key.
    @inline(__always)
    mutating func appendKey(_ key: StaticString, comma: Bool) {
        reserve(key.utf8CodeUnitCount &+ 4)
        storeKey(key, comma: comma)
    }

    /// `"key":` and the digits of `value`: one capacity check for both.
    @inline(__always)
    mutating func appendKey(_ key: StaticString, comma: Bool, decimal value: UInt32) {
        reserve(key.utf8CodeUnitCount &+ 4 &+ Self.longestDecimal32)
        storeKey(key, comma: comma)
        // The digits fall in the rest of the reservation.
        count &+= Self.writeDecimal(value, at: UnsafeMutableRawPointer(base + count))
    }

    /// `"key":` and the digits of `value`, after a minus sign if it is negative: one capacity check for all.
    @inline(__always)
    mutating func appendKey(_ key: StaticString, comma: Bool, decimal value: Int) {
        reserve(key.utf8CodeUnitCount &+ 4 &+ 1 &+ Self.longestDecimal64)
        storeKey(key, comma: comma)
        // The sign and the digits fall in the rest of the reservation.
        storeDecimal(value)
    }

    /// `"key":` into memory reserved for it (the caller reserved at least its length + 4).
    @inline(__always)
    private mutating func storeKey(_ key: StaticString, comma: Bool) {
        let length = key.utf8CodeUnitCount
        let written = length &+ (comma ? 4 : 3)
        // The stores fall in count ..< count + written, reserved by the caller.
        var target = UnsafeMutableRawPointer(base + count)
        if comma {
            target.storeBytes(of: UInt8(ascii: ","), as: UInt8.self)
            target += 1
        }
        target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        Self.copy(UnsafeRawPointer(key.utf8Start), length, to: target + 1)
        target.storeBytes(of: UInt8(ascii: "\""), toByteOffset: length &+ 1, as: UInt8.self)
        target.storeBytes(of: UInt8(ascii: ":"), toByteOffset: length &+ 2, as: UInt8.self)
        count &+= written
    }

    /// `"value"` for text that needs no escaping (a literal of the program, never bytes from a packet).
    @inline(__always)
    mutating func appendQuoted(literal value: StaticString) {
        let length = value.utf8CodeUnitCount
        assert(JSONWriter.isPlain(UnsafeBufferPointer(start: value.utf8Start, count: length)),
               "a literal JSON string must not need escaping")
        reserve(length &+ 2)
        // The stores fall in count ..< count + length + 2, reserved above.
        let target = UnsafeMutableRawPointer(base + count)
        target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        Self.copy(UnsafeRawPointer(value.utf8Start), length, to: target + 1)
        target.storeBytes(of: UInt8(ascii: "\""), toByteOffset: length &+ 1, as: UInt8.self)
        count &+= length &+ 2
    }

    /// Digits of the longest `UInt32` and `UInt64`.
    static let longestDecimal32 = 10
    static let longestDecimal64 = 20

    /// The decimal digits of `value`. Most numbers in a line (ports, lengths, sequence numbers, nanoseconds) fit
    /// 32 bits, where the arithmetic is cheaper.
    mutating func appendDecimal(_ value: UInt32) {
        reserve(Self.longestDecimal32)
        // The digits fall in the reservation.
        count &+= Self.writeDecimal(value, at: UnsafeMutableRawPointer(base + count))
    }

    /// `appendDecimal` for any 64-bit value.
    mutating func appendDecimal(_ value: UInt64) {
        reserve(Self.longestDecimal64)
        // The digits fall in the reservation.
        count &+= Self.writeDecimal(value, at: UnsafeMutableRawPointer(base + count))
    }

    /// A signed integer: "-" then the magnitude.
    @inline(__always)
    mutating func appendInt(_ value: Int) {
        reserve(1 &+ Self.longestDecimal64)
        storeDecimal(value)
    }

    /// A signed integer into memory reserved for it (the caller reserved 21 bytes).
    @inline(__always)
    private mutating func storeDecimal(_ value: Int) {
        if value < 0 {
            base[count] = UInt8(ascii: "-")
            count &+= 1
        }
        count &+= Self.writeDecimal(UInt64(value.magnitude), at: UnsafeMutableRawPointer(base + count))
    }

    /// Writes the digits of `value` at `target`, which has `longestDecimal32` writable bytes, and returns how many
    /// it wrote. (Not inlined: one copy serves every member.)
    @inline(never)
    private static func writeDecimal(_ value: UInt32, at target: UnsafeMutableRawPointer) -> Int {
        let digits = digitCount(value)
        writeDigits(value, endingAt: target + digits)
        return digits
    }

    /// Writes the digits of `value` at `target`, which has `longestDecimal64` writable bytes, and returns how many
    /// it wrote.
    @inline(never)
    private static func writeDecimal(_ value: UInt64, at target: UnsafeMutableRawPointer) -> Int {
        if let small = UInt32(exactly: value) { return writeDecimal(small, at: target) }
        var digits = longestDecimal32  // above UInt32.max
        while digits < longestDecimal64, value >= powerOfTen(digits) { digits += 1 }
        // Two digits at a time down to 32 bits, then the rest: all in target ..< target + digits.
        var end = target + digits
        var rest = value
        while rest > UInt64(UInt32.max) {
            let quotient = rest / 100
            end -= 2
            end.storeBytes(of: digitPair(UInt32(truncatingIfNeeded: rest &- quotient &* 100)), as: UInt16.self)
            rest = quotient
        }
        writeDigits(UInt32(truncatingIfNeeded: rest), endingAt: end)
        return digits
    }

    /// `value` (below 10^9) as exactly nine digits, zeros first: the fraction of a timestamp.
    mutating func appendNineDigits(_ value: UInt32) {
        // (A larger value would only put a wrong first digit: every store stays in the nine bytes.)
        assert(value < 1_000_000_000, "nine digits hold values below 10^9")
        reserve(9)
        // The digits fill count ..< count + 9, reserved above: four pairs from the end, then the first digit.
        let start = UnsafeMutableRawPointer(base + count)
        var end = start + 9
        var rest = value
        for _ in 0..<4 {
            let quotient = rest / 100
            end -= 2
            end.storeBytes(of: Self.digitPair(rest &- quotient &* 100), as: UInt16.self)
            rest = quotient
        }
        start.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest), as: UInt8.self)
        count &+= 9
    }

    /// Digits in the decimal form of `value`: one table entry by bit length, added and shifted, no branch (the
    /// power of ten it compared with came from a jump table, one indirect jump per number).
    @inline(__always)
    private static func digitCount(_ value: UInt32) -> Int {
        let bucket = 31 &- (value | 1).leadingZeroBitCount  // 0...31: the table's bounds
        return Int(truncatingIfNeeded: (UInt64(value) &+ digitCountTable[bucket]) >> 32)
    }

    /// By bit length i (values 2^i ..< 2^(i+1), and 0 with 1): (d << 32) where 2^i has d digits, plus
    /// 2^32 − 10^d when 10^d falls inside the range, so that values from 10^d on carry into d + 1.
    private static let digitCountTable: [UInt64] = [
        4_294_967_296, 4_294_967_296, 4_294_967_296, 8_589_934_582, 8_589_934_592, 8_589_934_592,
        12_884_901_788, 12_884_901_888, 12_884_901_888, 17_179_868_184, 17_179_869_184, 17_179_869_184,
        17_179_869_184, 21_474_826_480, 21_474_836_480, 21_474_836_480, 25_769_703_776, 25_769_803_776,
        25_769_803_776, 30_063_771_072, 30_064_771_072, 30_064_771_072, 30_064_771_072, 34_349_738_368,
        34_359_738_368, 34_359_738_368, 38_554_705_664, 38_654_705_664, 38_654_705_664, 41_949_672_960,
        42_949_672_960, 42_949_672_960,
    ]

    /// Writes the decimal digits of `value` so that the last one is just before `end`, two per division.
    /// `end` must have `digitCount(value)` writable bytes before it.
    @inline(__always)
    private static func writeDigits(_ value: UInt32, endingAt end: UnsafeMutableRawPointer) {
        var end = end
        var rest = value
        while rest >= 100 {
            let quotient = rest / 100
            end -= 2
            end.storeBytes(of: digitPair(rest &- quotient &* 100), as: UInt16.self)
            rest = quotient
        }
        if rest >= 10 {
            (end - 2).storeBytes(of: digitPair(rest), as: UInt16.self)
        } else {
            (end - 1).storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest), as: UInt8.self)
        }
    }

    /// The two ASCII digits of `value` (below 100) as they lie in memory, ready for one 2-byte store.
    @inline(__always)
    private static func digitPair(_ value: UInt32) -> UInt16 {
        // Inside the table: value < 100, so the load is at most at byte 198 of 200.
        UnsafeRawPointer(digitPairs.utf8Start).loadUnaligned(fromByteOffset: Int(value) &* 2, as: UInt16.self)
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

    /// `"a.b.c.d"` (the text of `IPAddress.description`): at most 17 bytes, one capacity check, each octet's
    /// digits stored from the pair table instead of dividing for every digit.
    mutating func appendQuotedIPv4(_ value: UInt32) {
        let longest = IPAddress.dottedQuadMaximumLength + 2
        reserve(longest)
        // A quote, four octets of at most three digits with a dot between, a quote: all inside
        // count ..< count + longest, reserved above.
        let start = UnsafeMutableRawPointer(base + count)
        start.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        var target = Self.writeOctet(value >> 24, at: start + 1)
        target = Self.writeOctet((value >> 16) & 0xff, at: Self.dot(at: target))
        target = Self.writeOctet((value >> 8) & 0xff, at: Self.dot(at: target))
        target = Self.writeOctet(value & 0xff, at: Self.dot(at: target))
        target.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        count &+= start.distance(to: target) &+ 1
    }

    /// A dot at `target`; returns the address after it.
    @inline(__always)
    private static func dot(at target: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        target.storeBytes(of: UInt8(ascii: "."), as: UInt8.self)
        return target + 1
    }

    /// The decimal digits of `octet` (below 256) at `target`; returns the address after them.
    @inline(__always)
    private static func writeOctet(_ octet: UInt32, at target: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        if octet >= 100 {
            let hundreds = octet / 100
            target.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: hundreds), as: UInt8.self)
            (target + 1).storeBytes(of: digitPair(octet &- hundreds &* 100), as: UInt16.self)
            return target + 3
        }
        if octet >= 10 {
            target.storeBytes(of: digitPair(octet), as: UInt16.self)
            return target + 2
        }
        target.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: octet), as: UInt8.self)
        return target + 1
    }

    /// `"0x0800"`: 8 bytes, one capacity check.
    @inline(__always)
    mutating func appendQuotedHex16(_ value: UInt16) {
        reserve(8)
        // Stores at count ..< count + 8, reserved above.
        base[count] = UInt8(ascii: "\"")
        base[count + 1] = UInt8(ascii: "0")
        base[count + 2] = UInt8(ascii: "x")
        base[count + 3] = JSONWriter.hexDigit(UInt8(truncatingIfNeeded: value >> 12) & 0xf)
        base[count + 4] = JSONWriter.hexDigit(UInt8(truncatingIfNeeded: value >> 8) & 0xf)
        base[count + 5] = JSONWriter.hexDigit(UInt8(truncatingIfNeeded: value >> 4) & 0xf)
        base[count + 6] = JSONWriter.hexDigit(UInt8(truncatingIfNeeded: value) & 0xf)
        base[count + 7] = UInt8(ascii: "\"")
        count += 8
    }

    /// `"5c:cf:7f:01:02:03"` (the text of `MACAddress.description`): 19 bytes, one capacity check, each byte's two
    /// hex digits from a table.
    mutating func appendQuotedMAC(_ address: MACAddress) {
        let length = MACAddress.textLength + 2
        reserve(length)
        // A quote, six pairs of digits with a colon between, a quote: count ..< count + 19, reserved above.
        let start = UnsafeMutableRawPointer(base + count)
        start.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        Self.hexPairs.withUnsafeBufferPointer { pairs in
            for index in 0..<6 {
                let byte = Int(truncatingIfNeeded: address.rawValue >> UInt64(40 - 8 * index)) & 0xff
                let target = start + 1 + 3 * index
                if index > 0 { (target - 1).storeBytes(of: UInt8(ascii: ":"), as: UInt8.self) }
                // byte < 256 = pairs.count.
                target.storeBytes(of: pairs[byte], as: UInt16.self)
            }
        }
        (start + length - 1).storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
        count &+= length
    }

    /// The two lower-case hex digits of every byte ("00" … "ff"), each as it lies in memory.
    private static let hexPairs: [UInt16] = (0..<256).map { byte in
        let digits = (JSONWriter.hexDigit(UInt8(byte >> 4)), JSONWriter.hexDigit(UInt8(byte & 0xf)))
        return withUnsafeBytes(of: digits) { $0.loadUnaligned(as: UInt16.self) }
    }

    /// "00", "01", … "99".
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Lends `write` room for `capacity` bytes after the text, and keeps the bytes it says it wrote (at most
    /// `capacity`; nil keeps none). Returns false for nil.
    @inline(__always)
    mutating func appendInPlace(upTo capacity: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int?) -> Bool {
        let room = max(0, capacity)
        reserve(room)
        // count ..< count + room is inside the allocation (reserved above); only `written` of it is kept.
        let written = write(UnsafeMutableBufferPointer(start: base + count, count: room))
        count &+= min(room, max(0, written ?? 0))
        return written != nil
    }

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
