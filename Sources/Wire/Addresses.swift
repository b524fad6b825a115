/// A 48-bit IEEE MAC address.
public struct MACAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The six bytes in the low 48 bits, first byte most significant.
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xffff_ffff_ffff }

    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        var value: UInt64 = 0
        for byte in bytes.prefix(6) { value = value << 8 | UInt64(byte) }
        self.init(rawValue: value)
    }

    public static let broadcast = MACAddress(rawValue: 0xffff_ffff_ffff)

    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(40 - 8 * $0)) } }
    /// The first three bytes: the vendor's organisationally unique identifier.
    public var oui: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 24) }
    public var isBroadcast: Bool { rawValue == 0xffff_ffff_ffff }
    public var isMulticast: Bool { (rawValue >> 40) & 0x01 == 1 }
    public var isLocallyAdministered: Bool { (rawValue >> 40) & 0x02 == 0x02 }

    /// "5c:cf:7f:01:02:03", as Wireshark prints it.
    public var description: String {
        // 17 ASCII bytes written in place: no array of bytes, no six small Strings joined.
        String(unsafeUninitializedCapacity: Self.textLength) { writeText(into: $0) }
    }

    /// Bytes in the text form.
    public static let textLength = 17

    /// Writes the text form ("5c:cf:7f:01:02:03") into the start of `buffer` and returns its length, or writes
    /// nothing and returns 0 when `buffer` is shorter than `textLength`. The one formatter behind `description`
    /// and the JSON and text writers.
    @inlinable
    public func writeText(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard buffer.count >= 17 else { return 0 }
        let digits: StaticString = "0123456789abcdef"
        // Every store is below 17 <= buffer.count.
        for index in 0..<6 {
            let byte = Int(truncatingIfNeeded: (rawValue >> UInt64(40 - 8 * index)) & 0xff)
            if index > 0 { buffer[3 * index - 1] = UInt8(ascii: ":") }
            buffer[3 * index] = digits.utf8Start[byte >> 4]
            buffer[3 * index + 1] = digits.utf8Start[byte & 0x0f]
        }
        return 17
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses "aa:bb:cc:dd:ee:ff" (or with dashes).
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count <= 2, let byte = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(byte)
        }
        self.init(rawValue: value)
    }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(UInt32)
    /// High and low 64 bits.
    case v6(UInt64, UInt64)

    public init<C: Collection>(v4 bytes: C) where C.Element == UInt8 {
        var value: UInt32 = 0
        for byte in bytes.prefix(4) { value = value << 8 | UInt32(byte) }
        self = .v4(value)
    }

    public init<C: Collection>(v6 bytes: C) where C.Element == UInt8 {
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in bytes.prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self = .v6(high, low)
    }

    public var isV4: Bool { if case .v4 = self { return true } else { return false } }

    /// The longest dotted quad: "255.255.255.255".
    public static let dottedQuadMaximumLength = 15

    /// Writes `value` as a dotted quad into the start of `buffer` and returns its length, or writes nothing and
    /// returns 0 when `buffer` is shorter than `dottedQuadMaximumLength`. The one formatter behind
    /// `description` and the JSON and text writers.
    @inlinable
    public static func writeDottedQuad(_ value: UInt32, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard buffer.count >= 15 else { return 0 }
        // At most 3 digits and a dot per octet: every store is below 15 <= buffer.count.
        var position = 0
        for index in 0..<4 {
            let octet = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index))
            if index > 0 {
                buffer[position] = UInt8(ascii: ".")
                position += 1
            }
            if octet >= 100 {
                buffer[position] = UInt8(ascii: "0") &+ octet / 100
                position += 1
            }
            if octet >= 10 {
                buffer[position] = UInt8(ascii: "0") &+ octet / 10 % 10
                position += 1
            }
            buffer[position] = UInt8(ascii: "0") &+ octet % 10
            position += 1
        }
        return position
    }

    /// Dotted quad, or RFC 5952 text for IPv6 (longest run of zero groups compressed).
    public var description: String {
        switch self {
        case .v4(let value):
            // At most 15 ASCII bytes ("255.255.255.255") written in place, instead of an interpolation.
            return String(unsafeUninitializedCapacity: Self.dottedQuadMaximumLength) {
                Self.writeDottedQuad(value, into: $0)
            }
        case .v6(let high, let low):
            var groups: [UInt16] = []
            for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: high >> UInt64(shift))) }
            for shift in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: low >> UInt64(shift))) }
            var bestStart = -1, bestLength = 0, runStart = -1
            for index in 0...groups.count {
                if index < groups.count, groups[index] == 0 {
                    if runStart < 0 { runStart = index }
                } else if runStart >= 0 {
                    let length = index - runStart
                    if length > bestLength, length >= 2 { bestStart = runStart; bestLength = length }
                    runStart = -1
                }
            }
            func hex(_ group: UInt16) -> String { String(group, radix: 16) }
            if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
            let head = groups[0..<bestStart].map(hex).joined(separator: ":")
            let tail = groups[(bestStart + bestLength)...].map(hex).joined(separator: ":")
            return head + "::" + tail
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case let (.v4(a), .v4(b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case let (.v6(ah, al), .v6(bh, bl)): return (ah, al) < (bh, bl)
        }
    }

    /// Parses a dotted quad (IPv6 text is not needed on the command line yet).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        self = .v4(value)
    }
}
