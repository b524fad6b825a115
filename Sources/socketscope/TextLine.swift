import Render

/// One line of `read`'s text output, built as bytes in a buffer that is reused from line to line. A Swift String
/// append costs a few hundred instructions, and a frame's line is a dozen pieces: building them as bytes made the
/// text path as cheap as the JSON one.
struct TextLine {
    private(set) var bytes: [UInt8] = []
    let palette: Palette

    init(palette: Palette) {
        self.palette = palette
        bytes.reserveCapacity(256)
    }

    /// An empty line with `other`'s buffer (its capacity kept), leaving `other` without one: a line built in a
    /// local and put back costs no copy.
    init(palette: Palette, reusing other: inout TextLine) {
        self.palette = palette
        swap(&bytes, &other.bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// A String's bytes. (Labelled: an unlabelled overload would win over the StaticString one for every literal, and
    /// a String append costs several times as much.)
    mutating func append(text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// What `write` puts into room for `capacity` bytes at the end of the line (`FrameSummary`'s byte writers);
    /// `write` returns the bytes written, or nil for nothing. Returns false when it wrote nothing.
    @discardableResult
    mutating func append(upTo capacity: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int?) -> Bool {
        let room = min(capacity, Self.room.count)
        let start = bytes.count
        bytes.append(contentsOf: Self.room[..<room])
        let written = bytes.withUnsafeMutableBufferPointer { all in
            write(UnsafeMutableBufferPointer(rebasing: all[start...]))
        }
        bytes.removeLast(room - min(room, max(0, written ?? 0)))
        return written != nil
    }

    /// Zeros copied in as room for `append(upTo:)` (one memcpy, where appending a repeated zero went byte by byte).
    private static let room = [UInt8](repeating: 0, count: 256)

    /// Text that may hold bytes from the network, made safe for a terminal (`TerminalText.escape`).
    mutating func appendEscaped(_ text: String) { append(text: TerminalText.escape(text)) }

    mutating func append(decimal value: UInt64) {
        DecimalDigits.withDigits(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        append(decimal: UInt64(value.magnitude))
    }

    /// `value` right-aligned in `width` columns (wider numbers are not cut).
    mutating func append(_ value: Int, rightAlignedIn width: Int) {
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
    mutating func append(relativeTime nanoseconds: Int64, leftAlignedIn width: Int) {
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

    /// What `body` appends, in the palette's colour `code` when colour is on (`Palette.paint`).
    mutating func painted(_ code: StaticString, _ body: (inout TextLine) -> Void) {
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

/// A session's text lines held back until it ends (`read` groups each session's lines in one block).
struct SessionBlock {
    /// The lines, each ending with a newline.
    private(set) var bytes: [UInt8] = []
    private(set) var lineCount = 0

    /// Adds a line; returns how many the block holds now.
    @discardableResult
    mutating func add(line: some Collection<UInt8>) -> Int {
        bytes.append(contentsOf: line)
        bytes.append(0x0a)
        lineCount += 1
        return lineCount
    }

    mutating func add(line: String) {
        var line = line
        line.withUTF8 { _ = add(line: $0) }
    }
}
