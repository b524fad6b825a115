/// IPv4 (RFC 791), its header checksum (RFC 1071) and fragment reassembly (RFC 791 §3.2, RFC 815).

/// An IP protocol number (IANA "Assigned Internet Protocol Numbers"). Open: unknown values round-trip.
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let hopByHop = IPProtocol(rawValue: 0)
    public static let icmp = IPProtocol(rawValue: 1)
    public static let igmp = IPProtocol(rawValue: 2)
    public static let ipv4 = IPProtocol(rawValue: 4)
    public static let tcp = IPProtocol(rawValue: 6)
    public static let udp = IPProtocol(rawValue: 17)
    public static let ipv6 = IPProtocol(rawValue: 41)
    public static let routing = IPProtocol(rawValue: 43)
    public static let fragment = IPProtocol(rawValue: 44)
    public static let gre = IPProtocol(rawValue: 47)
    public static let esp = IPProtocol(rawValue: 50)
    public static let ah = IPProtocol(rawValue: 51)
    public static let icmpv6 = IPProtocol(rawValue: 58)
    public static let noNextHeader = IPProtocol(rawValue: 59)
    public static let destinationOptions = IPProtocol(rawValue: 60)
    public static let sctp = IPProtocol(rawValue: 132)

    /// "TCP", "UDP"… or nil.
    public var name: String? {
        switch rawValue {
        case 0: return "IPv6 hop-by-hop options"
        case 1: return "ICMP"
        case 2: return "IGMP"
        case 4: return "IPv4 (IP-in-IP tunnel)"
        case 6: return "TCP"
        case 17: return "UDP"
        case 41: return "IPv6 (tunnelled)"
        case 43: return "IPv6 routing header"
        case 44: return "IPv6 fragment header"
        case 47: return "GRE"
        case 50: return "ESP (IPsec, encrypted)"
        case 51: return "AH (IPsec authentication)"
        case 58: return "ICMPv6"
        case 59: return "nothing (no next header)"
        case 60: return "IPv6 destination options"
        case 132: return "SCTP"
        default: return nil
        }
    }

    public var description: String { name ?? String(rawValue) }
}

/// What a TTL or hop limit says about the sender (initial values: RFC 1700 defaults as stacks ship them).
func ttlMeaning(_ ttl: UInt8, word: String = "TTL") -> String {
    let hops: (Int) -> String = { start in
        let crossed = start - Int(ttl)
        return crossed == 0 ? "" : "; probably started at \(start) and crossed \(crossed) router\(crossed == 1 ? "" : "s")"
    }
    switch ttl {
    case 0: return "\(word) 0: the packet must not be forwarded any further"
    case 1: return "\(word) 1: the packet cannot cross a router (link-local traffic such as mDNS or a traceroute probe)"
    case 255: return "\(word) 255: the packet may cross 255 routers; lwIP's default, typical of an ESP8266 or another embedded stack"
    case 128: return "\(word) 128: the packet may cross 128 routers; Windows' default"
    case 64: return "\(word) 64: the packet may cross 64 routers; the default of Linux, macOS, Android and iOS"
    case 129...254: return "\(word) \(ttl): the packet may cross \(ttl) more routers\(hops(255))"
    case 65...127: return "\(word) \(ttl): the packet may cross \(ttl) more routers\(hops(128))"
    default: return "\(word) \(ttl): the packet may cross \(ttl) more routers\(hops(64))"
    }
}

/// A decoded IPv4 header (RFC 791 §3.1).
public struct IPv4Header: Sendable, Hashable {
    public var headerLength: Int
    public var dscp: UInt8
    public var ecn: UInt8
    public var totalLength: UInt16
    public var identification: UInt16
    /// The three flag bits (reserved, DF, MF) as the low bits.
    public var flags: UInt8
    /// Fragment offset in bytes.
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var protocolNumber: IPProtocol
    public var checksum: UInt16
    public var checksumStatus: ChecksumStatus
    public var source: IPAddress
    public var destination: IPAddress

    public static let minimumSize = 20
    public var dontFragment: Bool { flags & 0x2 != 0 }
    public var moreFragments: Bool { flags & 0x1 != 0 }
    /// True when this datagram is one fragment of a larger one.
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// Reads and records the header, options included, and checks its checksum. Does not narrow the reader to
    /// the total length (the caller does, so the bytes after it can be named).
    public init(from reader: inout FrameReader, outgoing: Bool = false) throws(WireError) {
        let start = reader.offset
        let vhl = try reader.u8(.ipv4, "ip.vhl", display: hex8,
                                meaning: { "version \($0 >> 4), header length \(Int($0 & 0x0f) * 4) bytes" })
        reader.bits(.ipv4, "ip.version", mask: 0xf0, value: UInt64(vhl >> 4),
                    meaning: { $0 == 4 ? "IP version 4" : "IP version \($0), but this should be 4" })
        reader.bits(.ipv4, "ip.hdr_len", mask: 0x0f, value: UInt64(vhl & 0x0f) * 4,
                    meaning: { $0 == 20 ? "20-byte header: no IP options" : "\($0)-byte header" + ($0 < 20 ? ", less than the 20-byte minimum" : ", so \($0 - 20) bytes of options") })
        // RFC 791 §3.1: version 4, IHL at least 5 words.
        guard vhl >> 4 == 4 else {
            throw .invalid(layer: .ipv4, offset: start, field: "ip.version", reason: "is \(vhl >> 4), not 4")
        }
        headerLength = Int(vhl & 0x0f) * 4
        guard headerLength >= Self.minimumSize else {
            throw .invalid(layer: .ipv4, offset: start, field: "ip.hdr_len",
                           reason: "is \(headerLength) bytes, less than the 20-byte minimum")
        }
        let tos = try reader.u8(.ipv4, "ip.dsfield", display: hex8,
                                meaning: { "differentiated services \($0 >> 2), congestion bits \($0 & 3)" })
        reader.bits(.ipv4, "ip.dsfield.dscp", mask: 0xfc, value: UInt64(tos >> 2),
                    meaning: { $0 == 0 ? "default priority (best effort)" : "priority class (DSCP) \($0)" })
        reader.bits(.ipv4, "ip.dsfield.ecn", mask: 0x03, value: UInt64(tos & 3),
                    meaning: { $0 == 0 ? "the sender does not use ECN congestion marking" : $0 == 3 ? "a router marked congestion (ECN CE)" : "the sender supports ECN congestion marking" })
        dscp = tos >> 2
        ecn = tos & 3
        totalLength = try reader.u16(.ipv4, "ip.len", meaning: { length in
            length == 0 ? "0: the real length was left for the NIC to fill in (TCP segmentation offload); the captured length is used"
                : "the IP packet, header included, is \(length) bytes long"
        })
        identification = try reader.u16(.ipv4, "ip.id", display: hex16, meaning: { id in
            "identification \(id): lets the receiver match fragments of one packet (lwIP counts up by one per packet; Linux often sends 0 when DF is set)"
        })
        // Flags and fragment offset share two bytes; Wireshark's ip.flags is the top three bits of them.
        let flagsAndOffset = try reader.u16(.ipv4, "ip.flags_offset", display: hex16, meaning: { value in
            let df = value & 0x4000 != 0, mf = value & 0x2000 != 0
            return (df ? "don't fragment" : "may be fragmented") + (mf ? ", more fragments follow" : "")
                + (value & 0x1fff != 0 ? ", this fragment starts at byte \(Int(value & 0x1fff) * 8)" : "")
        })
        reader.bits(.ipv4, "ip.flags", mask: 0xe000, value: UInt64(flagsAndOffset >> 13),
                    display: { hex8(UInt8(truncatingIfNeeded: $0)) },
                    meaning: { $0 & 2 != 0 ? "flags: don't fragment" : $0 & 1 != 0 ? "flags: more fragments" : "flags: none set" })
        reader.bits(.ipv4, "ip.flags.rb", mask: 0x8000, value: UInt64(flagsAndOffset >> 15),
                    meaning: { $0 == 0 ? "reserved bit, zero" : "reserved bit set (the 'evil bit', RFC 3514): not allowed" })
        reader.bits(.ipv4, "ip.flags.df", mask: 0x4000, value: UInt64(flagsAndOffset >> 14 & 1),
                    meaning: { $0 == 1 ? "don't fragment: routers must drop it rather than split it (path MTU discovery)" : "routers may split this packet; lwIP on an ESP8266 leaves DF clear" })
        reader.bits(.ipv4, "ip.flags.mf", mask: 0x2000, value: UInt64(flagsAndOffset >> 13 & 1),
                    meaning: { $0 == 1 ? "more fragments of this datagram follow" : "last (or only) fragment" })
        // Wireshark's value is in 8-byte units (it displays them multiplied out).
        reader.bits(.ipv4, "ip.frag_offset", mask: 0x1fff, value: UInt64(flagsAndOffset & 0x1fff),
                    meaning: { $0 == 0 ? "offset 0: the start of the datagram" : "offset \($0) × 8: this fragment carries the datagram's bytes from \($0 * 8) on" })
        flags = UInt8(flagsAndOffset >> 13)
        fragmentOffset = Int(flagsAndOffset & 0x1fff) * 8
        ttl = try reader.u8(.ipv4, "ip.ttl", meaning: { ttlMeaning($0) })
        protocolNumber = IPProtocol(rawValue: try reader.u8(.ipv4, "ip.proto", meaning: { proto in
            "the payload is \(IPProtocol(rawValue: proto).name ?? "protocol \(proto)")"
        }))
        // Checked after the addresses are read; the meaning closure runs at once, so compute first.
        var sum = InternetChecksum()
        reader.addChecksum(of: start..<(start + headerLength), to: &sum)
        let headerPresent = headerLength <= reader.bytes.count - start
        let stored = reader.peekU16(at: reader.offset) ?? 0
        let status: ChecksumStatus = headerPresent
            // A zero header checksum is what a sender offloading it to its card leaves (Windows, macOS).
            ? checksumVerdict(verifies: sum.verifies, stored: stored, outgoing: outgoing, leftForTheCard: stored == 0)
            : .unchecked
        checksumStatus = status
        checksum = try reader.u16(.ipv4, "ip.checksum", display: hex16, meaning: { value in
            switch status {
            case .good: return "header checksum \(hex16(value)) is correct"
            case .bad: return "header checksum \(hex16(value)) is wrong (should be \(hex16(sum.expected(replacing: value)))): the header was corrupted"
            case .offloaded: return "header checksum not yet filled in: the sender's network card computes it (checksum offload; the capture was taken on the sender), not an error"
            case .unchecked: return "header checksum \(hex16(value)), not checked: the header was not captured whole"
            }
        })
        source = try reader.ipv4(.ipv4, "ip.src", meaning: { addressMeaning($0, role: "sender") })
        destination = try reader.ipv4(.ipv4, "ip.dst", meaning: { addressMeaning($0, role: "receiver") })
        // RFC 791 §3.1: total length covers the header (0 is the TSO placeholder, allowed through).
        if totalLength != 0, Int(totalLength) < headerLength {
            throw .invalid(layer: .ipv4, offset: start + 2, field: "ip.len",
                           reason: "is \(totalLength), less than the \(headerLength)-byte header")
        }
        if headerLength > Self.minimumSize {
            try Self.readOptions(&reader, length: headerLength - Self.minimumSize)
        }
    }

    /// Options (RFC 791 §3.1): single-byte EOL and NOP, else type, length, data. A bad length ends the list:
    /// the rest is recorded as one malformed field rather than stopping the packet.
    static func readOptions(_ reader: inout FrameReader, length: Int) throws(WireError) {
        try reader.require(length, .ipv4)
        let end = reader.offset + length
        reader.beginGroup(.ipv4, "ip.options", value: { "\(length) bytes" }, meaning: { "IP options: rare in practice, and many routers drop packets that carry them" })
        defer { reader.endGroup() }
        while reader.offset < end {
            let type = reader.peekU8(at: reader.offset) ?? 0
            if type == 0 || type == 1 {
                _ = try reader.u8(.ipv4, type == 0 ? "ip.opt.eol" : "ip.opt.nop",
                                  meaning: { $0 == 0 ? "end of the option list" : "no-operation, aligns the next option" })
                if type == 0, reader.offset < end {
                    _ = try reader.bytes(.ipv4, "ip.opt.padding", count: end - reader.offset,
                                         meaning: { _ in "padding after the end of the option list" })
                }
                continue
            }
            let optionLength = Int(reader.peekU8(at: reader.offset + 1) ?? 0)
            guard end - reader.offset >= 2, optionLength >= 2, optionLength <= end - reader.offset else {
                _ = try reader.bytes(.ipv4, "ip.opt.malformed", count: end - reader.offset,
                                     meaning: { _ in "an option whose length (\(optionLength)) does not fit the header: the rest of the options cannot be read" })
                return
            }
            reader.beginGroup(.ipv4, "ip.opt", value: { String(type) }, meaning: { ipOptionName(type) })
            _ = try reader.u8(.ipv4, "ip.opt.type", meaning: { _ in ipOptionName(type) })
            _ = try reader.u8(.ipv4, "ip.opt.len", meaning: { "the option is \($0) bytes long" })
            if optionLength > 2 {
                _ = try reader.bytes(.ipv4, "ip.opt.data", count: optionLength - 2, meaning: { _ in "the option's data" })
            }
            reader.endGroup()
        }
    }
}

func ipOptionName(_ type: UInt8) -> String {
    switch type {
    case 7: return "record route option"
    case 68: return "timestamp option"
    case 130: return "security option"
    case 131: return "loose source route option"
    case 137: return "strict source route option"
    case 148: return "router alert option (used by IGMP)"
    default: return "IP option type \(type)"
    }
}

/// What an address is, in words.
func addressMeaning(_ address: IPAddress, role: String) -> String {
    switch address {
    case .v4(let value):
        let first = value >> 24
        if value == 0 { return "the \(role) has no address yet (0.0.0.0, as in a DHCP request)" }
        if value == 0xffff_ffff { return "the \(role) is everyone on the local network (limited broadcast)" }
        if first == 127 { return "the \(role) is this machine itself (loopback)" }
        if first == 10 || (value >> 20) == 0xac1 || (value >> 16) == 0xc0a8 {
            return "the \(role)'s private (home or lab network) address"
        }
        if (value >> 16) == 0xa9fe { return "the \(role)'s link-local address (no DHCP answer was received)" }
        if first >= 224 && first < 240 { return "a multicast group address (\(address))" }
        return "the \(role)'s public Internet address"
    case .v6(let high, _):
        if high >> 54 == 0x3fa { return "the \(role)'s link-local IPv6 address (fe80::/10)" }
        if high >> 56 == 0xff { return "an IPv6 multicast group address" }
        if case .v6(0, 1) = address { return "the \(role) is this machine itself (::1)" }
        if case .v6(0, 0) = address { return "the unspecified address (::): the \(role) has no address yet" }
        return "the \(role)'s IPv6 address"
    }
}

// MARK: - Fragment reassembly

/// Reassembles IPv4 datagrams from fragments (RFC 791 §3.2; hole tracking as in RFC 815).
///
/// Fed the whole IP packet of each fragment (header included) with its capture time; returns the reassembled
/// datagram (first fragment's header with fragment fields cleared, total length and checksum fixed up) once every
/// byte is present. Peer-controlled state is capped: `maximumDatagrams` in flight, `maximumBytes` buffered over
/// all of them, `maximumDatagramSize` per datagram; datagrams older than `timeout` are dropped.
public struct IPv4Reassembler: Sendable {
    /// The key RFC 791 matches fragments by.
    public struct Key: Hashable, Sendable {
        public var source: IPAddress, destination: IPAddress, identification: UInt16, protocolNumber: UInt8
    }

    struct Pending: Sendable {
        var firstSeen: Double
        var header: [UInt8]?
        /// Fragments by offset (payload bytes only).
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var totalLength: Int?
        var bytes = 0
    }

    /// Named caps on what peers can make us hold.
    public var maximumDatagrams: Int
    public var maximumBytes: Int
    public static let maximumDatagramSize = 65535
    /// Fragments kept per datagram: every add re-sorts them, so zero-length or overlapping slivers must not be
    /// able to pile up (a real datagram needs at most 45 fragments of the smallest legal size, 8 + 1480 each… and
    /// 65535 / 576-byte links need ~120).
    public static let maximumFragmentsPerDatagram = 128
    /// Seconds a datagram may wait for its missing fragments (RFC 791 suggests 15; Linux uses 30).
    public var timeout: Double

    private var pending: [Key: Pending] = [:]
    private var bufferedBytes = 0
    /// Datagrams dropped because a cap was hit or they timed out.
    public private(set) var dropped = 0

    public init(maximumDatagrams: Int = 64, maximumBytes: Int = 1 << 20, timeout: Double = 30) {
        self.maximumDatagrams = maximumDatagrams
        self.maximumBytes = maximumBytes
        self.timeout = timeout
    }

    /// Datagrams currently waiting for fragments.
    public var inFlight: Int { pending.count }
    /// Bytes currently buffered.
    public var bytesBuffered: Int { bufferedBytes }

    /// What feeding one packet produced.
    public enum Result: Sendable, Equatable {
        /// Not a fragment: use the packet as is.
        case notFragment
        /// Stored; more fragments are needed.
        case needMore
        /// The whole datagram (an IPv4 packet with fragment fields cleared).
        case complete([UInt8])
        /// The packet was not a well-formed IPv4 packet, or a cap was hit; it was dropped.
        case dropped(String)
    }

    /// Feeds one IPv4 packet (from its first header byte) captured at `time` seconds.
    public mutating func add(_ packet: [UInt8], time: Double) -> Result {
        expire(before: time - timeout)
        var reader = FrameReader(bytes: packet)
        guard let header = try? IPv4Header(from: &reader) else { return .dropped("not a well-formed IPv4 header") }
        guard header.isFragment else { return .notFragment }
        let headerLength = header.headerLength
        let total = header.totalLength == 0 ? packet.count : min(Int(header.totalLength), packet.count)
        let payload = Array(reader.slice(headerLength..<total))
        let offset = header.fragmentOffset
        guard payload.count <= Self.maximumDatagramSize - offset else {
            return .dropped("fragment would end past 65535 bytes")
        }
        let key = Key(source: header.source, destination: header.destination, identification: header.identification,
                      protocolNumber: header.protocolNumber.rawValue)
        if pending[key] == nil {
            guard pending.count < maximumDatagrams else { dropped += 1; return .dropped("too many datagrams in flight") }
            pending[key] = Pending(firstSeen: time)
        }
        guard bufferedBytes + payload.count <= maximumBytes else {
            discard(key)
            dropped += 1
            return .dropped("reassembly buffer full")
        }
        guard var entry = pending[key] else { return .dropped("internal") }
        guard entry.pieces.count < Self.maximumFragmentsPerDatagram else {
            discard(key)
            dropped += 1
            return .dropped("more than \(Self.maximumFragmentsPerDatagram) fragments for one datagram")
        }
        if offset == 0 { entry.header = Array(reader.slice(0..<headerLength)) }
        if !header.moreFragments { entry.totalLength = offset + payload.count }
        entry.pieces.append((offset, payload))
        entry.bytes += payload.count
        bufferedBytes += payload.count
        pending[key] = entry
        guard let datagram = Self.assemble(entry) else { return .needMore }
        discard(key)
        return .complete(datagram)
    }

    /// Drops datagrams first seen before `time`.
    public mutating func expire(before time: Double) {
        for (key, entry) in pending where entry.firstSeen < time {
            discard(key)
            dropped += 1
        }
    }

    private mutating func discard(_ key: Key) {
        if let entry = pending.removeValue(forKey: key) { bufferedBytes -= entry.bytes }
    }

    /// The datagram when every byte from 0 to the end is covered; overlaps keep the first copy (RFC 5722 forbids
    /// them for IPv6; for IPv4, keeping the first is what most stacks do).
    static func assemble(_ entry: Pending) -> [UInt8]? {
        guard let header = entry.header, let total = entry.totalLength else { return nil }
        let pieces = entry.pieces.sorted { $0.offset < $1.offset }
        var covered = 0
        for piece in pieces where piece.offset <= covered { covered = max(covered, piece.offset + piece.bytes.count) }
        guard covered >= total else { return nil }
        var data = [UInt8](repeating: 0, count: total)
        var filled = [Bool](repeating: false, count: total)
        for piece in pieces {
            for (index, byte) in piece.bytes.enumerated() {
                let position = piece.offset + index
                guard position < total, !filled[position] else { continue }
                data[position] = byte
                filled[position] = true
            }
        }
        var result = header
        let length = header.count + total
        guard let length16 = UInt16(exactly: length), result.count >= 20 else { return nil }
        result[2] = UInt8(length16 >> 8)
        result[3] = UInt8(length16 & 0xff)
        result[6] &= 0x40  // keep DF, clear MF and the offset
        result[7] = 0
        result[10] = 0
        result[11] = 0
        var sum = InternetChecksum()
        sum.add(result)
        let checksum = sum.checksum
        result[10] = UInt8(checksum >> 8)
        result[11] = UInt8(checksum & 0xff)
        return result + data
    }
}
