/// The Internet checksum (RFC 1071) and the Ethernet CRC-32 (IEEE 802.3 §3.2.9).

/// Accumulates the one's-complement sum of 16-bit big-endian words (RFC 1071 §4.1).
///
/// The accumulator is 64 bits wide, so no frame (at most 2^32 words) can overflow it; carries are folded once at
/// the end. Bytes are taken in pairs across calls, so callers may add a pseudo-header, then a header, then data.
public struct InternetChecksum: Sendable {
    private var sum: UInt64 = 0
    /// True when an odd byte is waiting for its partner (the next byte is a low byte).
    private var odd = false

    public init() {}

    /// Adds bytes in order.
    public mutating func add<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        for byte in bytes {
            sum += odd ? UInt64(byte) : UInt64(byte) << 8
            odd.toggle()
        }
    }

    /// Adds a slice of frame bytes: the hot path (every TCP/UDP segment, every IPv4 header).
    ///
    /// The bulk is summed as native-order 64-bit words with an end-around carry: 2^64 ≡ 1 (mod 2^16 − 1), so
    /// that is the same one's-complement sum of 16-bit words (RFC 1071 §2(C)), and summing words in swapped byte
    /// order yields the byte-swapped sum (§2(B)), undone once on the folded result. No per-word byte swap.
    public mutating func add(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { add(raw: $0) }
    }

    /// `add(_:)` over bytes already borrowed (`FrameReader.addChecksum` sums frame bytes without a slice).
    mutating func add(raw: UnsafeRawBufferPointer) {
        // Safe: every load is at an offset with at least 32 (or 8, 4, 2, 1) bytes left before raw.count; the
        // buffer is only read.
        var index = 0
        let count = raw.count
        if odd, count > 0 {
            sum += UInt64(raw[0])
            odd = false
            index = 1
        }
        // Two sums in turn, so that each add waits for the one two back, not the one before: the carries make one
        // sum a chain. Their end-around sum is the sum of all the words.
        var first: UInt64 = 0
        var second: UInt64 = 0
        while count - index >= 32 {
            first = Self.addWithCarry(first, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            second = Self.addWithCarry(second, raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self))
            first = Self.addWithCarry(first, raw.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self))
            second = Self.addWithCarry(second, raw.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self))
            index += 32
        }
        var native = Self.addWithCarry(first, second)
        while count - index >= 8 {
            native = Self.addWithCarry(native, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            index += 8
        }
        // Fewer than 8 bytes left: a 4-byte and a 2-byte word keep the 16-bit word boundaries.
        if count - index >= 4 {
            native = Self.addWithCarry(native, UInt64(raw.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
            index += 4
        }
        if count - index >= 2 {
            native = Self.addWithCarry(native, UInt64(raw.loadUnaligned(fromByteOffset: index, as: UInt16.self)))
            index += 2
        }
        // Fold to 16 bits (never to 0 unless every byte was 0, as the plain sum), then back to big-endian order.
        native = (native & 0xffff_ffff) + (native >> 32)
        while native > 0xffff { native = (native & 0xffff) + (native >> 16) }
        sum += UInt64(UInt16(bigEndian: UInt16(truncatingIfNeeded: native)))
        if index < count {
            sum += UInt64(raw[index]) << 8
            odd = true
        }
    }

    /// One's-complement addition of 64-bit words: a carry out of the top wraps around to the bottom.
    @inline(__always)
    private static func addWithCarry(_ total: UInt64, _ word: UInt64) -> UInt64 {
        let (partial, carried) = total.addingReportingOverflow(word)
        // No overflow here: after a carry out, partial is at most 2^64 − 2.
        return partial &+ (carried ? 1 : 0)
    }

    /// Adds one 16-bit word (must start on an even byte position).
    public mutating func add(word: UInt16) { sum += UInt64(word) }

    /// Adds a 32-bit value as two words.
    public mutating func add(word32: UInt32) { sum += UInt64(word32 >> 16) + UInt64(word32 & 0xffff) }

    /// Adds an address as the pseudo-header does (RFC 9293 §3.1, RFC 8200 §8.1).
    @inline(__always)
    public mutating func add(address: IPAddress) {
        switch address {
        case .v4(let value): add(word32: value)
        case .v6(let high, let low):
            add(word32: UInt32(truncatingIfNeeded: high >> 32))
            add(word32: UInt32(truncatingIfNeeded: high))
            add(word32: UInt32(truncatingIfNeeded: low >> 32))
            add(word32: UInt32(truncatingIfNeeded: low))
        }
    }

    /// The folded one's-complement sum (not inverted). Data including a correct checksum folds to 0xffff.
    public var folded: UInt16 {
        var value = sum
        while value > 0xffff { value = (value & 0xffff) + (value >> 16) }
        return UInt16(truncatingIfNeeded: value)
    }

    /// True when the covered bytes (checksum field included) verify (RFC 1071: the sum is all ones).
    public var verifies: Bool { folded == 0xffff }

    /// The checksum value a sender would put in the field (the field itself counted as zero).
    public var checksum: UInt16 { ~folded }

    /// The correct field value when the bytes added included `stored` in the checksum field
    /// (one's-complement subtraction of `stored`, RFC 1624 §3).
    public func expected(replacing stored: UInt16) -> UInt16 {
        var value = UInt32(folded) + UInt32(~stored)
        value = (value & 0xffff) + (value >> 16)
        return ~UInt16(truncatingIfNeeded: value)
    }
}

/// The verdict for a checksum over bytes that were all captured. `leftForTheCard`: the stored value is the
/// placeholder a sender that offloads this checksum to its network card puts in the field.
@inline(__always)
func checksumVerdict(verifies: Bool, stored: UInt16, outgoing: Bool, leftForTheCard: Bool = false) -> ChecksumStatus {
    if verifies { return .good }
    // A sending host that offloads checksums to its NIC hands the capture a zero or partial (pseudo-header
    // only) value; on its own outgoing frames, or when the value is exactly that placeholder, it is not corruption.
    return outgoing || leftForTheCard ? .offloaded : .bad
}

/// Whether a wrong TCP/UDP checksum is the placeholder a sender leaves for its network card to finish: the folded
/// sum of the pseudo-header alone (RFC 793 §3.1, RFC 768), with the segment length (Linux, `CHECKSUM_PARTIAL`) or
/// without it (segmentation offload, e.g. Windows LSO). The capture was then taken on the sender, before the card
/// wrote the real value. A corrupted checksum matches one of the two by chance once in 32,768.
/// `addresses`: the sum of the source and destination addresses.
func isOffloadPlaceholder(_ stored: UInt16, addresses: InternetChecksum, proto: UInt8, length: Int) -> Bool {
    var partial = addresses
    partial.add(word: UInt16(proto))
    if stored == partial.folded { return true }
    partial.add(word32: UInt32(truncatingIfNeeded: length))
    return stored == partial.folded
}

/// The IEEE 802.3 CRC-32 used by the Ethernet frame check sequence (reflected, polynomial 0xEDB88320).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// The CRC-32 of some bytes.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            let index = Int((crc ^ UInt32(byte)) & 0xff)
            crc = (crc >> 8) ^ table[index]  // index < 256 by the mask above
        }
        return ~crc
    }
}
