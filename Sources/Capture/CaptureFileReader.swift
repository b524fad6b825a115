#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads classic pcap (microsecond and nanosecond, both byte orders, and the Kuznetzov variant) and pcapng
/// (every section, any number of interfaces with their own link types and timestamp resolutions) from a path or
/// standard input ("-"), one frame at a time. Memory stays at one read buffer whatever the file's length.
///
/// Frames read before a truncation are delivered; the truncation is then recorded in `warnings` and reading
/// ends. A file that is damaged in a way that leaves no safe way to continue throws `CaptureError.corrupt`.
///
/// Stored properties that every frame touches are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): only
/// this class's methods change them, and no access to one spans a call that could reach it again.
public final class CaptureFileReader {
    /// Largest record accepted. Real link types stay under 256 KiB (libpcap's largest snaplen is 256 MiB for
    /// D-Bus, which no one captures here); a larger length field means a damaged or hostile file. 4 MiB leaves
    /// room for big pcapng option blocks while keeping what a forged length can make us buffer small.
    public static let maximumRecordLength = 4 << 20

    public enum Format: String, Sendable {
        case pcap, pcapng
    }

    public let path: String
    public let format: Format
    /// Link type of the first interface (pcap: the file's only one).
    @exclusivity(unchecked) public private(set) var linkType: UInt32
    /// Non-fatal problems met so far (truncation, invalid timestamps).
    public private(set) var warnings: [CaptureWarning] = []
    /// Frames delivered so far by this reader.
    @exclusivity(unchecked) public private(set) var framesRead = 0
    /// Bytes of the file consumed so far.
    public var bytesConsumed: Int { source.position }

    private let source: ByteSource
    @exclusivity(unchecked) private var nextNumber: Int
    @exclusivity(unchecked) private var finished = false

    // Classic pcap state
    @exclusivity(unchecked) private var swapped = false
    @exclusivity(unchecked) private var nanosecond = false
    @exclusivity(unchecked) private var recordHeaderLength = 16
    private var warnedInvalidFraction = false

    // pcapng state (per section)
    private struct Interface {
        var linkType: UInt32
        var snapLength: UInt32
        /// Units per second of the timestamps and whether the resolution is a power of two.
        var resolutionExponent: UInt8 = 6
        var resolutionIsPowerOfTwo = false
        var offsetSeconds: Int64 = 0
    }
    private var interfaces: [Interface] = []
    /// Interfaces of sections before the current one, so indexes stay unique across sections.
    private var interfaceBase = 0

    /// Opens `path` ("-" for standard input) and reads its file header.
    public convenience init(path: String, firstFrameNumber: Int = 1) throws(CaptureError) {
        let fd: Int32
        let owns: Bool
        if path == "-" {
            fd = 0
            owns = false
        } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
            var info = stat()
            if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw .cannotOpen(path: path, reason: "it is a directory")
            }
            owns = true
        }
        try self.init(source: ByteSource(fd: fd, ownsDescriptor: owns), path: path, firstFrameNumber: firstFrameNumber)
    }

    init(source: ByteSource, path: String, firstFrameNumber: Int) throws(CaptureError) {
        self.source = source
        self.path = path
        self.nextNumber = firstFrameNumber
        let available: Int
        do { available = try source.fill(4) } catch { throw .readFailed(path: path, reason: "\(error)") }
        if available == 0 { throw .empty(path: path) }
        guard available >= 4 else {
            throw .notACapture(path: path, firstBytes: Self.describe(source.peek(available) { Array($0) }))
        }
        let magic = source.peek(4) { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) }
        switch magic {
        case 0xa1b2_c3d4, 0xd4c3_b2a1, 0xa1b2_3c4d, 0x4d3c_b2a1, 0xa1b2_cd34, 0x34cd_b2a1:
            format = .pcap
            linkType = 0
            try readPcapHeader(magic: magic)
        case 0x0a0d_0d0a:
            format = .pcapng
            linkType = 0
            try readPcapngPreamble()
        default:
            throw .notACapture(path: path, firstBytes: Self.describe(source.peek(min(available, 8)) { Array($0) }))
        }
    }

    /// The next frame, or nil at the end (or after a truncation, recorded in `warnings`).
    public func next() throws(CaptureError) -> Frame? {
        guard !finished else { return nil }
        let frame: Frame?
        switch format {
        case .pcap: frame = try nextPcapFrame()
        case .pcapng: frame = try nextPcapngFrame()
        }
        if frame == nil { finished = true } else { framesRead += 1 }
        return frame
    }

    // MARK: Helpers

    private static func describe(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "nothing" }
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return "bytes " + hex.joined(separator: " ")
    }

    private func fill(_ n: Int) throws(CaptureError) -> Int {
        do { return try source.fill(n) } catch { throw .readFailed(path: path, reason: "\(error)") }
    }

    private func truncated(_ what: String, needed: Int, present: Int) {
        warnings.append(CaptureWarning(path: path, offset: source.position,
                                       message: "file cut short: \(what) needs \(needed) bytes, only \(present) present; "
                                           + "\(framesRead) frames were read before the cut"))
    }

    private func u16(_ raw: UnsafeRawBufferPointer, _ at: Int, swapped: Bool) -> UInt16 {
        let value = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return swapped ? value.byteSwapped : value
    }

    private func u32(_ raw: UnsafeRawBufferPointer, _ at: Int, swapped: Bool) -> UInt32 {
        let value = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return swapped ? value.byteSwapped : value
    }

    // MARK: Classic pcap

    private func readPcapHeader(magic: UInt32) throws(CaptureError) {
        let nativeMagic = source.peek(4) { $0.loadUnaligned(as: UInt32.self) }
        swapped = !(nativeMagic == 0xa1b2_c3d4 || nativeMagic == 0xa1b2_3c4d || nativeMagic == 0xa1b2_cd34)
        let native = swapped ? nativeMagic.byteSwapped : nativeMagic
        nanosecond = native == 0xa1b2_3c4d
        recordHeaderLength = native == 0xa1b2_cd34 ? 24 : 16
        let present = try fill(24)
        guard present >= 24 else {
            throw .corrupt(path: path, offset: present, reason: "the pcap file header needs 24 bytes, only \(present) present")
        }
        let (major, minor, network) = source.peek(24) { raw in
            (u16(raw, 4, swapped: swapped), u16(raw, 6, swapped: swapped), u32(raw, 20, swapped: swapped))
        }
        // libpcap reads only version 2.x (2.4 today; 2.2 and 2.3 differ in ways that no longer matter).
        guard major == 2 else {
            throw .unsupported(path: path, reason: "pcap version \(major).\(minor); only 2.x exists")
        }
        // The top 6 bits may carry an FCS length (bit 26 flags it); bits 16–25 are reserved and must be zero.
        guard network & 0x03ff_0000 == 0 else {
            throw .unsupported(path: path, reason: String(format0x: network, prefix: "link-type field ")
                + " has reserved bits set")
        }
        linkType = network & 0xffff
        source.consume(24)
    }

    private func nextPcapFrame() throws(CaptureError) -> Frame? {
        let headerLength = recordHeaderLength
        let present = try fill(headerLength)
        if present == 0 { return nil }
        guard present >= headerLength else {
            truncated("the record header of frame \(nextNumber)", needed: headerLength, present: present)
            return nil
        }
        let (secondsField, fraction, capturedLength, originalLength) = source.peek(16) { raw in
            (u32(raw, 0, swapped: swapped), u32(raw, 4, swapped: swapped), u32(raw, 8, swapped: swapped),
             u32(raw, 12, swapped: swapped))
        }
        let recordOffset = source.position
        guard Int(capturedLength) <= Self.maximumRecordLength else {
            throw .corrupt(path: path, offset: recordOffset,
                           reason: "frame \(nextNumber) claims \(capturedLength) captured bytes (limit \(Self.maximumRecordLength))")
        }
        let length = Int(capturedLength)
        let total = try fill(headerLength + length)
        guard total >= headerLength + length else {
            truncated("frame \(nextNumber)", needed: length, present: total - headerLength)
            return nil
        }
        source.consume(headerLength)
        let bytes = source.take(length)
        // A fraction of a second ≥ 1 s is invalid (tcpdump prints "invalid us"): keep the seconds, clamp the
        // fraction to just under the next second, and say so once.
        let unitsPerSecond: UInt32 = nanosecond ? 1_000_000_000 : 1_000_000
        var nanos = nanosecond ? fraction : fraction &* 1000
        if fraction >= unitsPerSecond {
            nanos = nanosecond ? 999_999_999 : 999_999_000
            if !warnedInvalidFraction {
                warnedInvalidFraction = true
                warnings.append(CaptureWarning(path: path, offset: recordOffset,
                                               message: "frame \(nextNumber) has an invalid fraction of a second "
                                                   + "(\(fraction) \(nanosecond ? "ns" : "µs")); shown as the last instant of its second"))
            }
        }
        let frame = Frame(number: nextNumber, seconds: Int64(secondsField), nanoseconds: nanos,
                          originalLength: max(Int(originalLength), length), linkType: linkType, bytes: bytes)
        nextNumber += 1
        return frame
    }

    // MARK: pcapng

    private func readPcapngPreamble() throws(CaptureError) {
        guard try readSectionHeader() else {
            throw .corrupt(path: path, offset: 0, reason: "the pcapng section header block is cut short")
        }
        linkType = interfaces.first?.linkType ?? 0
        // Read ahead to the first interface so `linkType` is known before the first frame.
    }

    /// Reads a section header block at the current position. Returns false if the file ends inside it.
    private func readSectionHeader() throws(CaptureError) -> Bool {
        let blockOffset = source.position
        let present = try fill(12)
        guard present >= 12 else { return false }
        let byteOrder = source.peek(12) { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
        if byteOrder == 0x1a2b_3c4d { swapped = false } else if byteOrder == 0x4d3c_2b1a { swapped = true } else {
            throw .corrupt(path: path, offset: blockOffset + 8, reason: "pcapng byte-order magic is not 0x1a2b3c4d")
        }
        let total = Int(source.peek(8) { u32($0, 4, swapped: swapped) })
        guard total >= 28, total % 4 == 0, total <= Self.maximumRecordLength else {
            throw .corrupt(path: path, offset: blockOffset, reason: "section header block length \(total) is invalid")
        }
        let have = try fill(total)
        guard have >= total else { return false }
        let (major, minor, trailer) = source.peek(total) { raw in
            (u16(raw, 12, swapped: swapped), u16(raw, 14, swapped: swapped), u32(raw, total - 4, swapped: swapped))
        }
        // Only 1.0 and 1.2 were ever written (1.1 is rejected by libpcap and Wireshark alike).
        guard major == 1, minor == 0 || minor == 2 else {
            throw .unsupported(path: path, reason: "pcapng version \(major).\(minor); only 1.0 and 1.2 exist")
        }
        guard Int(trailer) == total else {
            throw .corrupt(path: path, offset: blockOffset, reason: "section header block lengths disagree (\(total) and \(trailer))")
        }
        let block = source.take(total)
        try validateOptions(block, from: 24, to: total - 4, blockOffset: blockOffset, blockName: "section header")
        interfaceBase += interfaces.count
        interfaces = []
        return true
    }

    /// Walks an options list, throwing if an option runs past its block (libpcap rejects such files too).
    /// Calls `visit` with each option's code and value range.
    private func validateOptions(_ block: [UInt8], from start: Int, to end: Int, blockOffset: Int, blockName: String,
                                 visit: (UInt16, Range<Int>) -> Void = { _, _ in }) throws(CaptureError) {
        var at = start
        while end - at >= 4 {
            let code = block.withUnsafeBytes { u16($0, at, swapped: swapped) }
            let length = Int(block.withUnsafeBytes { u16($0, at + 2, swapped: swapped) })
            if code == 0 { return }
            let padded = (length + 3) & ~3
            guard padded <= end - at - 4 else {
                throw .corrupt(path: path, offset: blockOffset + at,
                               reason: "\(blockName) block option \(code) is \(length) bytes, longer than its block")
            }
            visit(code, (at + 4)..<(at + 4 + length))
            at += 4 + padded
        }
    }

    private func nextPcapngFrame() throws(CaptureError) -> Frame? {
        while true {
            let blockOffset = source.position
            let present = try fill(8)
            if present == 0 { return nil }
            guard present >= 8 else {
                truncated("a block header", needed: 8, present: present)
                return nil
            }
            let rawType = source.peek(8) { $0.loadUnaligned(as: UInt32.self) }
            if rawType == 0x0a0d_0d0a {
                guard try readSectionHeader() else {
                    truncated("a section header block", needed: 28, present: try fill(28))
                    return nil
                }
                continue
            }
            let (type, total) = source.peek(8) { raw in (u32(raw, 0, swapped: swapped), Int(u32(raw, 4, swapped: swapped))) }
            guard total >= 12, total % 4 == 0, total <= Self.maximumRecordLength else {
                throw .corrupt(path: path, offset: blockOffset, reason: "block of type \(type) has invalid length \(total)")
            }
            let have = try fill(total)
            guard have >= total else {
                truncated(type == 6 || type == 3 ? "the block of frame \(nextNumber)" : "a block of type \(type)",
                          needed: total, present: have)
                return nil
            }
            let trailer = source.peek(total) { u32($0, total - 4, swapped: swapped) }
            guard Int(trailer) == total else {
                throw .corrupt(path: path, offset: blockOffset, reason: "block lengths disagree (\(total) and \(trailer))")
            }
            let block = source.take(total)
            switch type {
            case 1: try readInterfaceDescription(block, blockOffset: blockOffset)
            case 6: if let frame = try enhancedPacket(block, blockOffset: blockOffset) { return frame }
            case 3: if let frame = try simplePacket(block, blockOffset: blockOffset) { return frame }
            case 2: if let frame = try obsoletePacket(block, blockOffset: blockOffset) { return frame }
            default: continue // name resolution, statistics, custom and unknown blocks carry no frames
            }
        }
    }

    private func readInterfaceDescription(_ block: [UInt8], blockOffset: Int) throws(CaptureError) {
        guard block.count >= 20 else {
            throw .corrupt(path: path, offset: blockOffset, reason: "interface description block is too short")
        }
        var interface = block.withUnsafeBytes { raw in
            Interface(linkType: UInt32(u16(raw, 8, swapped: swapped)), snapLength: u32(raw, 12, swapped: swapped))
        }
        var badResolution = false
        try validateOptions(block, from: 16, to: block.count - 4, blockOffset: blockOffset,
                            blockName: "interface description") { code, range in
            if code == 9, range.count >= 1 {
                let value = block[range.lowerBound]
                interface.resolutionIsPowerOfTwo = value & 0x80 != 0
                interface.resolutionExponent = value & 0x7f
                // 10^19 and 2^63 are the largest units per second a 64-bit timestamp can use.
                if interface.resolutionIsPowerOfTwo ? interface.resolutionExponent > 63 : interface.resolutionExponent > 19 {
                    badResolution = true
                }
            } else if code == 14, range.count >= 8 {
                let raw = block.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self) }
                interface.offsetSeconds = Int64(bitPattern: swapped ? raw.byteSwapped : raw)
            }
        }
        guard !badResolution else {
            throw .unsupported(path: path, reason: "interface \(interfaces.count) has a timestamp resolution beyond 64 bits")
        }
        if interfaces.isEmpty && interfaceBase == 0 { linkType = interface.linkType }
        interfaces.append(interface)
    }

    private func time(_ high: UInt32, _ low: UInt32, _ interface: Interface) -> (Int64, UInt32) {
        let units = UInt64(high) << 32 | UInt64(low)
        let exponent = UInt64(interface.resolutionExponent)
        var seconds: UInt64
        var nanos: UInt64
        if interface.resolutionIsPowerOfTwo {
            seconds = exponent == 0 ? units : units >> exponent
            let fraction = exponent == 0 ? 0 : units & ((1 << exponent) - 1)
            // (fraction × 10^9) >> exponent, computed on the full 128-bit product.
            let product = fraction.multipliedFullWidth(by: 1_000_000_000)
            nanos = exponent == 0 ? 0 : (product.high << (64 - exponent)) | (product.low >> exponent)
        } else {
            var perSecond: UInt64 = 1
            for _ in 0..<exponent { perSecond &*= 10 } // exponent ≤ 19 was checked: 10^19 fits
            seconds = units / perSecond
            let fraction = units % perSecond
            if exponent <= 9 {
                var scale: UInt64 = 1
                for _ in 0..<(9 - exponent) { scale *= 10 }
                nanos = fraction * scale
            } else {
                var scale: UInt64 = 1
                for _ in 0..<(exponent - 9) { scale *= 10 }
                nanos = fraction / scale
            }
        }
        let signed = Int64(clamping: seconds).addingReportingOverflow(interface.offsetSeconds)
        return (signed.overflow ? Int64(clamping: seconds) : signed.partialValue, UInt32(truncatingIfNeeded: nanos))
    }

    private func makeFrame(interfaceID: Int, high: UInt32, low: UInt32, captured: Int, original: Int,
                           data: ArraySlice<UInt8>) -> Frame {
        let interface = interfaces[interfaceID]
        let (seconds, nanos) = time(high, low, interface)
        let frame = Frame(number: nextNumber, seconds: seconds, nanoseconds: nanos, originalLength: max(original, captured),
                          linkType: interface.linkType, interfaceIndex: interfaceBase + interfaceID,
                          bytes: Array(data.prefix(captured)))
        nextNumber += 1
        return frame
    }

    private func enhancedPacket(_ block: [UInt8], blockOffset: Int) throws(CaptureError) -> Frame? {
        guard block.count >= 32 else {
            throw .corrupt(path: path, offset: blockOffset, reason: "enhanced packet block is too short")
        }
        let (interfaceID, high, low, captured, original) = block.withUnsafeBytes { raw in
            (Int(u32(raw, 8, swapped: swapped)), u32(raw, 12, swapped: swapped), u32(raw, 16, swapped: swapped),
             Int(u32(raw, 20, swapped: swapped)), Int(u32(raw, 24, swapped: swapped)))
        }
        guard interfaceID < interfaces.count else {
            throw .corrupt(path: path, offset: blockOffset,
                           reason: "frame \(nextNumber) names interface \(interfaceID), but only \(interfaces.count) are described")
        }
        guard captured <= block.count - 32 else {
            throw .corrupt(path: path, offset: blockOffset,
                           reason: "frame \(nextNumber) claims \(captured) captured bytes in a \(block.count)-byte block")
        }
        return makeFrame(interfaceID: interfaceID, high: high, low: low, captured: captured, original: original,
                         data: block[28..<(28 + captured)])
    }

    private func simplePacket(_ block: [UInt8], blockOffset: Int) throws(CaptureError) -> Frame? {
        guard block.count >= 16, !interfaces.isEmpty else {
            throw .corrupt(path: path, offset: blockOffset, reason: "simple packet block without an interface")
        }
        let original = Int(block.withUnsafeBytes { u32($0, 8, swapped: swapped) })
        let snap = Int(interfaces[0].snapLength)
        var captured = min(original, block.count - 16)
        if snap > 0 { captured = min(captured, snap) }
        // A simple packet block has no timestamp.
        return makeFrame(interfaceID: 0, high: 0, low: 0, captured: captured, original: original,
                         data: block[12..<(12 + captured)])
    }

    private func obsoletePacket(_ block: [UInt8], blockOffset: Int) throws(CaptureError) -> Frame? {
        guard block.count >= 32 else {
            throw .corrupt(path: path, offset: blockOffset, reason: "packet block is too short")
        }
        let (interfaceID, high, low, captured, original) = block.withUnsafeBytes { raw in
            (Int(u16(raw, 8, swapped: swapped)), u32(raw, 12, swapped: swapped), u32(raw, 16, swapped: swapped),
             Int(u32(raw, 20, swapped: swapped)), Int(u32(raw, 24, swapped: swapped)))
        }
        guard interfaceID < interfaces.count, captured <= block.count - 32 else {
            throw .corrupt(path: path, offset: blockOffset, reason: "packet block of frame \(nextNumber) is inconsistent")
        }
        return makeFrame(interfaceID: interfaceID, high: high, low: low, captured: captured, original: original,
                         data: block[28..<(28 + captured)])
    }
}

extension String {
    init(format0x value: UInt32, prefix: String) {
        self = prefix + "0x" + String(value, radix: 16)
    }
}
