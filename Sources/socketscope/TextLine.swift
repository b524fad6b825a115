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

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Text that may hold bytes from the network, made safe for a terminal (`TerminalText.escape`).
    mutating func appendEscaped(_ text: String) { append(TerminalText.escape(text)) }

    mutating func append(decimal value: UInt64) {
        DecimalDigits.withDigits(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        append(decimal: UInt64(value.magnitude))
    }

    /// `value` right-aligned in `width` columns (wider numbers are not cut).
    mutating func append(_ value: Int, rightAlignedIn width: Int) {
        let start = bytes.count
        append(value)
        let written = bytes.count - start
        if written < width {
            bytes.insert(contentsOf: repeatElement(UInt8(ascii: " "), count: width - written), at: start)
        }
    }

    /// Seconds with six decimals (0.001234, -0.000500), padded with spaces to `width` columns.
    mutating func append(relativeTime nanoseconds: Int64, leftAlignedIn width: Int) {
        let start = bytes.count
        if nanoseconds < 0 { bytes.append(UInt8(ascii: "-")) }
        let micros = nanoseconds.magnitude / 1000
        append(decimal: micros / 1_000_000)
        bytes.append(UInt8(ascii: "."))
        let fraction = micros % 1_000_000
        var scale: UInt64 = 100_000
        while scale > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction / scale % 10))
            scale /= 10
        }
        let written = bytes.count - start
        if written < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - written)) }
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

    mutating func add(line: some Collection<UInt8>) {
        bytes.append(contentsOf: line)
        bytes.append(0x0a)
        lineCount += 1
    }

    mutating func add(line: String) {
        var line = line
        line.withUTF8 { add(line: $0) }
    }
}
