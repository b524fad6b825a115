#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a classic pcap file (microsecond timestamps, host byte order, as tcpdump -w does). Each record goes
/// out in one write(2) of header and data together, so the file is valid at every moment a reader could look:
/// it only ever ends on a record boundary, unless the disk fills, which is reported.
public final class PcapWriter {
    public let path: String
    private var fd: Int32
    private var record: [UInt8] = []
    /// Frames written so far.
    public private(set) var framesWritten = 0
    /// Bytes written so far, file header included.
    public private(set) var bytesWritten = 0

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
        record.removeAll(keepingCapacity: true)
        Self.append(UInt32(truncatingIfNeeded: seconds), to: &record)
        Self.append(nanoseconds / 1000, to: &record)
        Self.append(UInt32(truncatingIfNeeded: bytes.count), to: &record)
        Self.append(UInt32(clamping: originalLength), to: &record)
        record.append(contentsOf: bytes)
        try writeAll(record)
        framesWritten += 1
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

    /// Closes the file (idempotent).
    public func close() {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws(CaptureError) {
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
                // Cut the partial record off so the file stays valid.
                _ = ftruncate(fd, off_t(startSize))
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
