// Shared by every fuzz target: an input cursor that turns fuzzer bytes into choices, a strict JSON checker, and
// a failure that libFuzzer reports as a crash (with the input saved as the reproducer).

/// Reads choices off the fuzzer's input; returns zeros once the input runs out, so every input is usable.
struct FuzzInput {
    let bytes: [UInt8]
    var offset = 0

    init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    var isEmpty: Bool { offset >= bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func u8() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16 { UInt16(u8()) << 8 | UInt16(u8()) }
    mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }
    mutating func bool() -> Bool { u8() & 1 == 1 }

    /// Up to `count` bytes (fewer at the end of the input).
    mutating func take(_ count: Int) -> [UInt8] {
        let n = max(0, min(count, remaining))
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    /// Everything left.
    mutating func rest() -> [UInt8] { take(remaining) }
}

/// Stops the run with a message: libFuzzer saves the input that got here.
func fuzzFailure(_ message: String) -> Never {
    fatalError("fuzz property violated: " + message)
}

/// Checks that `bytes` hold exactly one JSON value (RFC 8259), valid UTF-8 included; a broken line from
/// `--format json` is as bad as a crash for the tools that read it.
func requireValidJSON(_ bytes: [UInt8], _ what: String) {
    var checker = JSONChecker(bytes: bytes)
    if let problem = checker.check() {
        let preview = String(decoding: bytes.prefix(300), as: UTF8.self)
        fuzzFailure("\(what) is not valid JSON (\(problem) at byte \(checker.index)): \(preview)")
    }
}

struct JSONChecker {
    let bytes: [UInt8]
    var index = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func check() -> String? {
        skipSpace()
        if let problem = value() { return problem }
        skipSpace()
        return index == bytes.count ? nil : "trailing bytes"
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { index += 1 }
    }

    private mutating func literal(_ text: String) -> String? {
        for c in text.utf8 {
            guard current == c else { return "bad literal" }
            index += 1
        }
        return nil
    }

    private mutating func value() -> String? {
        depth += 1
        defer { depth -= 1 }
        if depth > 512 { return "nested too deep" }
        guard let c = current else { return "missing value" }
        switch c {
        case UInt8(ascii: "{"):
            index += 1; skipSpace()
            if current == UInt8(ascii: "}") { index += 1; return nil }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { return "object key is not a string" }
                if let p = string() { return p }
                skipSpace()
                guard current == UInt8(ascii: ":") else { return "missing colon" }
                index += 1; skipSpace()
                if let p = value() { return p }
                skipSpace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                if current == UInt8(ascii: "}") { index += 1; return nil }
                return "bad object separator"
            }
        case UInt8(ascii: "["):
            index += 1; skipSpace()
            if current == UInt8(ascii: "]") { index += 1; return nil }
            while true {
                skipSpace()
                if let p = value() { return p }
                skipSpace()
                if current == UInt8(ascii: ",") { index += 1; continue }
                if current == UInt8(ascii: "]") { index += 1; return nil }
                return "bad array separator"
            }
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func digits() -> Int {
        var n = 0
        while let c = current, c >= 0x30, c <= 0x39 { index += 1; n += 1 }
        return n
    }

    private mutating func number() -> String? {
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return "bad number"
        }
        if current == UInt8(ascii: ".") {
            index += 1
            if digits() == 0 { return "bad fraction" }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            if digits() == 0 { return "bad exponent" }
        }
        return nil
    }

    private mutating func string() -> String? {
        index += 1  // opening quote
        while let c = current {
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                return nil
            case UInt8(ascii: "\\"):
                index += 1
                guard let e = current else { return "unterminated escape" }
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    for _ in 0..<4 {
                        guard let h = current, (h >= 0x30 && h <= 0x39) || (h | 0x20 >= 0x61 && h | 0x20 <= 0x66)
                        else { return "bad \\u escape" }
                        index += 1
                    }
                default: return "bad escape"
                }
            case 0..<0x20:
                return "control character in string"
            case 0x80...:
                if let p = utf8Sequence() { return p }
            default:
                index += 1
            }
        }
        return "unterminated string"
    }

    /// One well-formed UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF).
    private mutating func utf8Sequence() -> String? {
        let lead = bytes[index]
        let count: Int, lower: UInt32
        var scalar: UInt32
        switch lead {
        case 0xc2...0xdf: count = 1; lower = 0x80; scalar = UInt32(lead & 0x1f)
        case 0xe0...0xef: count = 2; lower = 0x800; scalar = UInt32(lead & 0x0f)
        case 0xf0...0xf4: count = 3; lower = 0x10000; scalar = UInt32(lead & 0x07)
        default: return "invalid UTF-8 lead byte"
        }
        guard count < bytes.count - index else { return "truncated UTF-8" }
        for k in 1...count {
            let b = bytes[index + k]
            guard b & 0xc0 == 0x80 else { return "invalid UTF-8 continuation" }
            scalar = scalar << 6 | UInt32(b & 0x3f)
        }
        guard scalar >= lower, scalar <= 0x10ffff, !(0xd800...0xdfff).contains(scalar) else { return "invalid UTF-8" }
        index += count + 1
        return nil
    }
}
