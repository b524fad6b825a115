#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Buffered sequential reads from a file descriptor (a file, or standard input). Reads 1 MiB at a time:
/// libpcap's 4 KiB reads cost a third of a bare read loop.
///
/// Stored properties that every frame touches are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): only
/// this class's methods use them, and no access to one spans a call that could reach it again.
final class ByteSource {
    private let fd: Int32
    private let ownsDescriptor: Bool
    @exclusivity(unchecked) private var buffer: [UInt8]
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var atEOF = false
    /// Bytes consumed so far (file offset of the next byte).
    @exclusivity(unchecked) private(set) var position = 0
    static let chunkSize = 1 << 20

    init(fd: Int32, ownsDescriptor: Bool) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.buffer = [UInt8](repeating: 0, count: ByteSource.chunkSize)
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Makes at least `needed` bytes available unless the source ends first. Returns the bytes available.
    func fill(_ needed: Int) throws(CaptureError) -> Int {
        if count >= needed || atEOF { return count }
        if needed > buffer.count - start {
            // Slide what is left to the front, and grow for records larger than the buffer.
            if start > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    guard let base = raw.baseAddress else { return }
                    memmove(base, base + start, count)
                }
                start = 0
            }
            if needed > buffer.count { buffer.append(contentsOf: repeatElement(0, count: needed - buffer.count)) }
        }
        while count < needed && !atEOF {
            let got = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + start + count, raw.count - start - count)
            }
            if got > 0 {
                count += got
            } else if got == 0 {
                atEOF = true
            } else if errno != EINTR {
                throw .readFailed(path: "", reason: String(cString: strerror(errno)))
            }
        }
        return count
    }

    /// The next `n` available bytes, without consuming them. Callers ensure `n <= fill(n)`.
    func peek<T>(_ n: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        buffer.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + min(n, count))]))
        }
    }

    /// Copies out and consumes `n` available bytes.
    ///
    /// The array handed out last time is kept: once its user has let go of it (the usual case: a frame is
    /// processed before the next is read), its storage is reused, so a frame costs a memcpy and no
    /// allocation. While it is still in use, `removeAll(keepingCapacity:)` gives this call fresh storage
    /// (copy-on-write), so every array handed out keeps its own bytes.
    func take(_ n: Int) -> [UInt8] {
        let n = max(0, min(n, count))
        var out: [UInt8] = []
        if recycleSkips == 0 {
            out = recycled
            recycled = []
            // Reuse only a buffer of a similar size: a huge record must not make every later frame allocate big.
            if out.capacity < n || out.capacity > 2 * max(n, 4096) { out = [] }
            let before = out.withUnsafeBufferPointer { $0.baseAddress }
            out.removeAll(keepingCapacity: true)
            if out.capacity > 0, out.withUnsafeBufferPointer({ $0.baseAddress }) != before {
                // The last frame is still in use (frames queued for another thread): reusing only makes arrays
                // of the old capacity. Allocate exact sizes for a while, then try again.
                recycleSkips = 4096
                out = []
            }
        } else {
            recycleSkips -= 1
        }
        if n > 0 {
            // start + n <= start + count <= buffer.count
            buffer.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + n)])
                if out.capacity >= n {
                    out.append(contentsOf: bytes)
                } else {
                    // A new array made from the bytes: one allocation and one copy (growing an empty one went
                    // through the general reallocation path first).
                    out = Array(bytes)
                }
            }
        }
        consume(n)
        if recycleSkips == 0 { recycled = out }
        return out
    }

    /// The array `take` returned last (see there).
    @exclusivity(unchecked) private var recycled: [UInt8] = []
    /// Frames left before `take` tries to reuse an array again (0: reusing).
    @exclusivity(unchecked) private var recycleSkips = 0

    func consume(_ n: Int) {
        let n = min(n, count)
        start += n
        count -= n
        position += n
        if count == 0 { start = 0 }
    }
}
