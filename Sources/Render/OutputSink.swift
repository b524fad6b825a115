#if canImport(Glibc)
import Glibc
#endif

/// Buffered output to a file descriptor: text and JSON are built straight into one reusable byte buffer and
/// written in large blocks (unbuffered stdout costs more than decoding).
///
/// Its stored properties are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): a line is written through
/// one access, and a body lent the buffer (`writeLine`) must not use the sink itself.
public final class OutputSink {
    /// What is waiting to be written. A `JSONWriter`'s buffer, so a JSON line is written straight into it
    /// (`writeLine`): no line is built in one buffer and copied into another.
    @exclusivity(unchecked) private var pending = JSONWriter()
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
        pending.reserveCapacity(flushThreshold + 4096)
    }

    deinit { flush() }

    /// True when this descriptor is a terminal.
    public var isTerminal: Bool { isatty(fd) == 1 }

    /// Bytes written to the sink and not yet to the descriptor.
    public var pendingByteCount: Int { pending.byteCount }

    @inline(__always) public func write(_ text: String) {
        var text = text
        text.withUTF8 { pending.appendRaw(UnsafeRawBufferPointer($0)) }
    }

    public func write<C: Collection>(bytes: C) where C.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { pending.appendRaw(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { pending.appendRaw($0) } }
    }

    public func write(raw bytes: UnsafeRawBufferPointer) { pending.appendRaw(bytes) }

    /// Writes whole lines (each already ending with a newline) and flushes as `endLine` would.
    public func write(lines bytes: [UInt8]) {
        bytes.withUnsafeBytes { pending.appendRaw($0) }
        if pending.byteCount >= lineFlushThreshold { flush() }
    }

    /// Lends `body` the sink's own buffer, as a writer starting a new top-level value, to write one line in place
    /// (JSON, or raw bytes through `appendRaw`), then ends the line as `endLine` does. The body must not use the
    /// sink itself.
    @inline(__always) public func writeLine(_ body: (inout JSONWriter) -> Void) {
        if Self.appendLine(to: &pending, body) >= lineFlushThreshold { flush() }
    }

    /// The line and its newline in one access to the buffer; returns the buffer's size.
    @inline(__always) private static func appendLine(to pending: inout JSONWriter, _ body: (inout JSONWriter) -> Void) -> Int {
        pending.startLine()
        body(&pending)
        pending.appendNewline()
        return pending.byteCount
    }

    /// Ends a line and flushes if the buffer is large (or always, with `flushEachLine`).
    @inline(__always) public func endLine() {
        if Self.appendLine(to: &pending, { _ in }) >= lineFlushThreshold { flush() }
    }

    public func flush() {
        guard pending.byteCount > 0 else { return }
        if !failed {
            pending.withBytes { raw in
                guard let base = raw.baseAddress else { return }
                var done = 0
                while done < raw.count {
                    let n = Glibc.write(fd, base + done, raw.count - done)
                    if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { failed = true; break }
                }
            }
        }
        pending.reset()
    }
}
