#if canImport(Glibc)
import Glibc
#endif

/// Buffered output to a file descriptor: text and JSON are built straight into one reusable byte buffer and
/// written in large blocks (unbuffered stdout costs more than decoding).
///
/// Its stored properties are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): a line is written through
/// one access, and a body lent the buffer (`writeLine`) must not use the sink itself.
public final class OutputSink {
    @exclusivity(unchecked) public private(set) var buffer: [UInt8] = []
    private let fd: Int32
    private let flushThreshold: Int
    /// Flush after every line (live capture: output appears as frames arrive).
    public var flushEachLine = false {
        didSet { lineFlushThreshold = flushEachLine ? 0 : flushThreshold }
    }
    /// The buffer size at which a finished line is flushed: `flushThreshold`, or 0 with `flushEachLine` (one stored
    /// value read per line instead of two).
    @exclusivity(unchecked) private var lineFlushThreshold: Int
    /// Set when a write failed (e.g. a closed pipe); later writes are dropped.
    @exclusivity(unchecked) public private(set) var failed = false

    public init(fd: Int32 = 1, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        lineFlushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit { flush() }

    /// True when this descriptor is a terminal.
    public var isTerminal: Bool { isatty(fd) == 1 }

    @inline(__always) public func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }


    public func write<C: Collection>(bytes: C) where C.Element == UInt8 { buffer.append(contentsOf: bytes) }

    /// Writes whole lines (each already ending with a newline) and flushes as `endLine` would.
    public func write(lines bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= lineFlushThreshold { flush() }
    }

    /// Lends the buffer to `body` to write one line (one exclusive access for all its pieces, where each `write`
    /// is an access of its own), then ends the line as `endLine` does.
    @inline(__always) public func writeLine(_ body: (inout [UInt8]) -> Void) {
        if Self.appendLine(to: &buffer, body) >= lineFlushThreshold { flush() }
    }

    /// The line and its newline in one access to the buffer; returns the buffer's size.
    @inline(__always) private static func appendLine(to buffer: inout [UInt8], _ body: (inout [UInt8]) -> Void) -> Int {
        body(&buffer)
        buffer.append(0x0a)
        return buffer.count
    }

    /// Ends a line and flushes if the buffer is large (or always, with `flushEachLine`).
    @inline(__always) public func endLine() {
        if Self.appendLine(to: &buffer, { _ in }) >= lineFlushThreshold { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        if !failed {
            var done = 0
            while done < buffer.count {
                let n = buffer.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return Glibc.write(fd, base + done, raw.count - done)
                }
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { failed = true; break }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
