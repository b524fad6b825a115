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
    /// The read buffer: memory this source allocates and frees itself. An array here was retained and released
    /// around every access (a class's stored array cannot be lent in place), twice per frame.
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var atEOF = false
    /// Bytes consumed so far (file offset of the next byte).
    @exclusivity(unchecked) private(set) var position = 0
    static let chunkSize = 1 << 20

    init(fd: Int32, ownsDescriptor: Bool) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.buffer = .allocate(byteCount: ByteSource.chunkSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// Makes at least `needed` bytes available unless the source ends first. Returns the bytes available.
    func fill(_ needed: Int) throws(CaptureError) -> Int {
        if count >= needed || atEOF { return count }
        if needed > buffer.count - start {
            // Slide what is left to the front, and grow for records larger than the buffer.
            if start > 0, let base = buffer.baseAddress {
                memmove(base, base + start, count)
                start = 0
            }
            if needed > buffer.count {
                // What is left starts at the front here (it was slid down, or read from the front).
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: needed, alignment: 16)
                if count > 0, let from = buffer.baseAddress, let to = grown.baseAddress { memcpy(to, from, count) }
                buffer.deallocate()
                buffer = grown
                start = 0
            }
        }
        while count < needed && !atEOF {
            // start + count <= buffer.count: reads go into the rest of the buffer.
            let got = buffer.baseAddress.map { read(fd, $0 + start + count, buffer.count - start - count) } ?? 0
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
        body(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + max(0, min(n, count)))]))
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
            swap(&out, &recycled)  // moved out: copying it was a retain and a release
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
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + n)])
            if out.capacity >= n {
                out.append(contentsOf: bytes)
            } else {
                // A new array made from the bytes: one allocation and one copy (growing an empty one went
                // through the general reallocation path first).
                out = Array(bytes)
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
