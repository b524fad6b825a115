/// One line of `read`'s text output, built as bytes in a buffer that is reused from line to line.
///
/// A Swift String append costs a few hundred instructions and an array append a uniqueness and a capacity check
/// (runtime calls), and a frame's line is a dozen pieces: the line lives in the JSON writer's byte buffer, where an
/// append is a capacity test and a copy, and the fixed-width pieces are written in place (`append(upTo:)`).
public struct TextLine {
    private var storage = JSONBuffer(capacity: 256)
    public let palette: Palette

    public init(palette: Palette) { self.palette = palette }

    /// A line continuing after the text already in `storage` (`JSONWriter.withTextLine`).
    init(storage: consuming JSONBuffer, palette: Palette) {
        self.storage = storage
        self.palette = palette
    }

    /// The buffer, given back to the writer that lent it.
    consuming func takeStorage() -> JSONBuffer { storage }

    /// Empties the line, keeping its buffer.
    public mutating func reset() {
        storage.makeUnique()
        storage.removeAll()
    }

    /// The line's bytes, lent for the call.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withBytes(body)
    }

    /// The line's bytes (a copy).
    public var bytes: [UInt8] { storage.withBytes { Array($0) } }

    public var isEmpty: Bool { storage.count == 0 }

    /// Bytes as they are (text a worker prepared).
    public mutating func appendRaw(_ bytes: UnsafeRawBufferPointer) {
        storage.makeUnique()
        storage.append(raw: bytes)
    }

    public mutating func append(_ literal: StaticString) {
        storage.makeUnique()
        storage.append(literal: literal)
    }

    /// A String's bytes. (Labelled: an unlabelled overload would win over the StaticString one for every literal, and
    /// a String append costs several times as much.)
    public mutating func append(text: String) {
        storage.makeUnique()
        var text = text
        text.withUTF8 { storage.append(raw: UnsafeRawBufferPointer($0)) }
    }

    /// What `write` puts into room for `capacity` bytes (at most 256) at the end of the line (`FrameSummary`'s
    /// byte writers); `write` returns the bytes written, or nil for nothing. Returns false when it wrote nothing.
    @discardableResult
    public mutating func append(upTo capacity: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int?) -> Bool {
        storage.makeUnique()
        return storage.appendInPlace(upTo: min(capacity, Self.maximumRoom), write)
    }

    /// The most room `append(upTo:)` lends.
    public static let maximumRoom = 256

    /// Text that may hold bytes from the network, made safe for a terminal (`TerminalText.escape`).
    public mutating func appendEscaped(_ text: String) { append(text: TerminalText.escape(text)) }

    public mutating func append(decimal value: UInt64) {
        storage.makeUnique()
        storage.appendDecimal(value)
    }

    public mutating func append(_ value: Int) {
        storage.makeUnique()
        storage.appendInt(value)
    }

    /// `value` right-aligned in `width` columns (wider numbers are not cut).
    public mutating func append(_ value: Int, rightAlignedIn width: Int) {
        append(upTo: max(0, width) + 21) { buffer in
            var out = ASCIIWriter(buffer)
            var digits = value < 0 ? 2 : 1
            var rest = value.magnitude
            while rest >= 10 {
                rest /= 10
                digits += 1
            }
            while out.count < width - digits { out.put(UInt8(ascii: " ")) }
            out.append(signed: value)
            return out.count
        }
    }

    /// Seconds with six decimals (0.001234, -0.000500), padded with spaces to `width` columns.
    public mutating func append(relativeTime nanoseconds: Int64, leftAlignedIn width: Int) {
        append(upTo: max(0, width) + 28) { buffer in
            var out = ASCIIWriter(buffer)
            if nanoseconds < 0 { out.put(UInt8(ascii: "-")) }
            let micros = nanoseconds.magnitude / 1000
            out.append(micros / 1_000_000)
            out.put(UInt8(ascii: "."))
            let fraction = micros % 1_000_000
            var scale: UInt64 = 100_000
            while scale > 0 {
                out.put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / scale % 10))
                scale /= 10
            }
            while out.count < width { out.put(UInt8(ascii: " ")) }
            return out.count
        }
    }

    /// `value` with three decimals, rounded ("0.145", "-1.000"), written in place; "?" when it is not finite or
    /// too large to count in thousandths (converting such a value would trap).
    public mutating func append(format3 value: Double) {
        let scaled = value.isFinite ? (abs(value) * 1000).rounded() : .infinity
        guard scaled < 0x1p63 else {
            append("?")
            return
        }
        let thousandths = UInt64(scaled)
        append(upTo: 32) { buffer in
            var out = ASCIIWriter(buffer)
            if value < 0 { out.put(UInt8(ascii: "-")) }
            out.append(thousandths / 1000)
            out.put(UInt8(ascii: "."))
            let fraction = thousandths % 1000
            out.put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / 100))
            out.put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / 10 % 10))
            out.put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction % 10))
            return out.count
        }
    }

    /// What `body` appends, in the palette's colour `code` when colour is on (`Palette.paint`).
    public mutating func painted(_ code: StaticString, _ body: (inout TextLine) -> Void) {
        guard palette.enabled else {
            body(&self)
            return
        }
        append("\u{1b}[")
        append(code)
        append("m")
        body(&self)
        append("\u{1b}[0m")
    }
}
