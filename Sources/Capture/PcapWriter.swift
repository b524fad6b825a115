#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a classic pcap file (microsecond timestamps, host byte order, as tcpdump -w does). Records are
/// gathered into a small buffer and written whole with one write(2), at 64 KiB or once the buffer is 100 ms old
/// (and on `flush`/`close`), so the file is valid at every moment a reader could look: it only ever ends on a
/// record boundary — after a full disk too, which is reported. Batching keeps the capture thread fast enough for
/// bursts: a write(2) per frame costs more than the kernel's ring buffer can absorb.
public final class PcapWriter {
    public let path: String
    private var fd: Int32
    private var record: [UInt8] = []
    /// Whole records not yet written, and the capture time (µs) of the oldest.
    private var pending: [UInt8] = []
    /// Where each buffered record ends in `pending`: a failed write keeps the records that made it whole.
    private var pendingEnds: [Int] = []
    private var pendingSince: Int64?
    static let flushBytes = 64 << 10
    static let flushMicroseconds: Int64 = 100_000
    /// Frames written so far.
    public private(set) var framesWritten = 0
    /// Bytes written so far, file header included.
    public private(set) var bytesWritten = 0
    /// The file's size once the buffered records are written.
    public var size: Int { bytesWritten + pending.count }

    /// Creates (or truncates) `path` and writes the file header.
    public init(path: String, linkType: UInt32, snapLength: UInt32) throws(CaptureError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var header: [UInt8] = []
        header.reserveCapacity(24)
        Self.append(UInt32(0xa1b2_c3d4), to: &header)
        Self.append(UInt16(2), to: &header)
        Self.append(UInt16(4), to: &header)
        Self.append(UInt32(0), to: &header) // thiszone: always UTC
        Self.append(UInt32(0), to: &header) // sigfigs
        Self.append(snapLength, to: &header)
        Self.append(linkType, to: &header)
        try writeAll(header)
    }

    deinit { close() }

    /// Appends one frame. Throws on a write error (a full disk included); the file then ends at the last whole record.
    public func write(seconds: Int64, nanoseconds: UInt32, originalLength: Int,
                      bytes: UnsafeRawBufferPointer) throws(CaptureError) {
        Self.append(UInt32(truncatingIfNeeded: seconds), to: &pending)
        Self.append(nanoseconds / 1000, to: &pending)
        Self.append(UInt32(truncatingIfNeeded: bytes.count), to: &pending)
        Self.append(UInt32(clamping: originalLength), to: &pending)
        pending.append(contentsOf: bytes)
        pendingEnds.append(pending.count)
        framesWritten += 1
        let now = seconds &* 1_000_000 &+ Int64(nanoseconds / 1000)
        let since = pendingSince ?? now
        pendingSince = since
        if pending.count >= Self.flushBytes || now &- since >= Self.flushMicroseconds { try flush() }
    }

    /// Writes the buffered records (whole) now: call when the capture goes idle, and before reading the file.
    public func flush() throws(CaptureError) {
        pendingSince = nil
        guard !pending.isEmpty else { return }
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingEnds.removeAll(keepingCapacity: true)
        }
        try writeAll(pending, recordEnds: pendingEnds)
    }

    /// Appends one frame from a `Frame`.
    public func write(_ frame: Frame) throws(CaptureError) {
        let result: CaptureError? = frame.bytes.withUnsafeBytes { raw in
            do throws(CaptureError) {
                try write(seconds: frame.seconds, nanoseconds: frame.nanoseconds, originalLength: frame.originalLength,
                          bytes: raw)
                return nil
            } catch { return error }
        }
        if let result { throw result }
    }

    /// Writes what is buffered and closes the file (idempotent; a write error here was already possible on
    /// `flush`, and the file still ends on a whole record).
    public func close() {
        try? flush()
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// Writes `bytes` (whole records). On failure the file is cut back to the last record that was written
    /// whole (`recordEnds` are the records' end offsets in `bytes`), so it still ends on a record boundary.
    private func writeAll(_ bytes: [UInt8], recordEnds: [Int] = []) throws(CaptureError) {
        guard fd >= 0 else { throw .writeFailed(path: path, reason: "file is closed") }
        let startSize = bytesWritten
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(fd, base + done, raw.count - done)
            }
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                let reason = n < 0 ? String(cString: strerror(errno)) : "no progress"
                // Cut the partial record off so the file stays valid, keeping the records that made it whole.
                let kept = recordEnds.last { $0 <= done } ?? 0
                _ = ftruncate(fd, off_t(startSize + kept))
                bytesWritten = startSize + kept
                framesWritten -= recordEnds.count - (recordEnds.firstIndex { $0 > kept } ?? recordEnds.count)
                throw .writeFailed(path: path, reason: reason)
            }
        }
        bytesWritten += bytes.count
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }
}
