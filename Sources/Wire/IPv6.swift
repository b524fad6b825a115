/// IPv6 (RFC 8200): fixed header, extension headers and the fragment header.

/// A decoded IPv6 fixed header (RFC 8200 §3).
public struct IPv6Header: Sendable, Hashable {
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    public var payloadLength: UInt16
    public var nextHeader: IPProtocol
    public var hopLimit: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    public static let size = 40

    public init(from reader: inout FrameReader) throws(WireError) {
        let start = reader.offset
        let word = try reader.u32(.ipv6, "ipv6.vcf", display: hex32, meaning: { word in
            "version \(word >> 28), traffic class \(hex8(UInt8(truncatingIfNeeded: word >> 20))), flow label \(hex32(word & 0xfffff))"
        })
        reader.bits(.ipv6, "ipv6.version", mask: 0xf000_0000, value: UInt64(word >> 28),
                    meaning: { $0 == 6 ? "IP version 6" : "IP version \($0), but this should be 6" })
        reader.bits(.ipv6, "ipv6.tclass", mask: 0x0ff0_0000, value: UInt64(word >> 20 & 0xff),
                    display: { hex32(UInt32(truncatingIfNeeded: $0)) },
                    meaning: { $0 == 0 ? "traffic class 0: default priority" : "traffic class (priority and ECN bits) \($0)" })
        reader.bits(.ipv6, "ipv6.flow", mask: 0x000f_ffff, value: UInt64(word & 0xfffff),
                    display: { hex24(UInt32(truncatingIfNeeded: $0)) },
                    meaning: { $0 == 0 ? "no flow label" : "flow label: lets routers keep this connection's packets on one path" })
        guard word >> 28 == 6 else {
            throw .invalid(layer: .ipv6, offset: start, field: "ipv6.version", reason: "is \(word >> 28), not 6")
        }
        trafficClass = UInt8(truncatingIfNeeded: word >> 20)
        flowLabel = word & 0xfffff
        payloadLength = try reader.u16(.ipv6, "ipv6.plen", meaning: { length in
            length == 0 ? "0: a jumbogram or a length left for the NIC to fill in; the captured length is used"
                : "\(length) bytes follow this 40-byte header"
        })
        nextHeader = IPProtocol(rawValue: try reader.u8(.ipv6, "ipv6.nxt", meaning: { next in
            "the next header is \(IPProtocol(rawValue: next).name ?? "protocol \(next)")"
        }))
        hopLimit = try reader.u8(.ipv6, "ipv6.hlim", meaning: { ttlMeaning($0, word: "Hop limit") })
        source = IPAddress(v6: try reader.bytes(.ipv6, "ipv6.src", count: 16, display: { IPAddress(v6: $0).description },
                                                meaning: { addressMeaning(IPAddress(v6: $0), role: "sender") }))
        destination = IPAddress(v6: try reader.bytes(.ipv6, "ipv6.dst", count: 16,
                                                     display: { IPAddress(v6: $0).description },
                                                     meaning: { addressMeaning(IPAddress(v6: $0), role: "receiver") }))
    }
}

/// The fragment header's fields (RFC 8200 §4.5).
public struct IPv6Fragment: Sendable, Hashable {
    /// Offset in bytes.
    public var offset: Int
    public var more: Bool
    public var identification: UInt32
}

/// Walks the extension-header chain (RFC 8200 §4.1).
public enum IPv6ExtensionHeaders {
    /// A cap on the chain length: a peer could otherwise make us walk hundreds of empty headers.
    public static let maximumHeaders = 8

    /// The transport protocol after the chain, and the fragment header if one was present.
    public struct Chain: Sendable, Hashable {
        public var final: IPProtocol
        public var fragment: IPv6Fragment?
    }

    public static func decode(_ reader: inout FrameReader, first: IPProtocol) throws(WireError) -> Chain {
        var next = first
        var fragment: IPv6Fragment?
        var count = 0
        while count < maximumHeaders {
            switch next {
            case .hopByHop, .routing, .destinationOptions, .ah:
                count += 1
                // Literal names: no string building on the fast path.
                let names: (group: String, nxt: String, len: String, data: String) =
                    next == .hopByHop ? ("ipv6.hopopts", "ipv6.hopopts.nxt", "ipv6.hopopts.len", "ipv6.hopopts.data")
                    : next == .routing ? ("ipv6.routing", "ipv6.routing.nxt", "ipv6.routing.len", "ipv6.routing.data")
                    : next == .ah ? ("ah", "ah.next_header", "ah.length", "ah.data")
                    : ("ipv6.dstopts", "ipv6.dstopts.nxt", "ipv6.dstopts.len", "ipv6.dstopts.data")
                let lengthByte = Int(reader.peekU8(at: reader.offset + 1) ?? 0)
                // AH counts 4-byte words minus 2 (RFC 4302 §2.2); the others 8-byte units minus 1.
                let length = next == .ah ? (lengthByte + 2) * 4 : (lengthByte + 1) * 8
                try reader.require(length, .ipv6)
                let name = next.name ?? names.group
                reader.beginGroup(.ipv6, names.group, value: { "\(length) bytes" }, meaning: { name })
                next = IPProtocol(rawValue: try reader.u8(.ipv6, names.nxt, meaning: { value in
                    "the next header is \(IPProtocol(rawValue: value).name ?? "protocol \(value)")"
                }))
                _ = try reader.u8(.ipv6, names.len, meaning: { _ in "this extension header is \(length) bytes long" })
                _ = try reader.bytes(.ipv6, names.data, count: length - 2, meaning: { _ in "the header's options or addresses" })
                reader.endGroup()
            case .fragment:
                count += 1
                try reader.require(8, .ipv6)
                reader.beginGroup(.ipv6, "ipv6.fraghdr", value: { "8 bytes" }, meaning: { "fragment header: this packet is part of a larger one" })
                next = IPProtocol(rawValue: try reader.u8(.ipv6, "ipv6.fraghdr.nxt", meaning: { value in
                    "the reassembled datagram holds \(IPProtocol(rawValue: value).name ?? "protocol \(value)")"
                }))
                _ = try reader.u8(.ipv6, "ipv6.fraghdr.reserved_octet", display: hex8, meaning: { _ in "reserved" })
                let word = try reader.u16(.ipv6, "ipv6.fraghdr.offset_flags", display: hex16,
                                          meaning: { "offset \(Int($0 >> 3) * 8) bytes" + ($0 & 1 == 1 ? ", more fragments follow" : ", last fragment") })
                reader.bits(.ipv6, "ipv6.fraghdr.offset", mask: 0xfff8, value: UInt64(word >> 3),
                            meaning: { "offset \($0) × 8: this fragment starts at byte \($0 * 8) of the datagram" })
                reader.bits(.ipv6, "ipv6.fraghdr.more", mask: 0x0001, value: UInt64(word & 1),
                            meaning: { $0 == 1 ? "more fragments follow" : "last fragment" })
                let ident = try reader.u32(.ipv6, "ipv6.fraghdr.ident", display: hex32,
                                           meaning: { _ in "identification shared by all fragments of one datagram" })
                reader.endGroup()
                fragment = IPv6Fragment(offset: Int(word >> 3) * 8, more: word & 1 == 1, identification: ident)
                if fragment?.offset != 0 { return Chain(final: next, fragment: fragment) }
            default:
                return Chain(final: next, fragment: fragment)
            }
        }
        return Chain(final: next, fragment: fragment)
    }
}
