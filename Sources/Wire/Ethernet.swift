/// Ethernet II (IEEE 802.3 clause 3) with 802.1Q / 802.1ad VLAN tags.

/// An EtherType (IEEE 802 numbers). Open: unknown values round-trip and print as hex.
public struct EtherType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 16-bit value on the wire.
    public let rawValue: UInt16
    /// Wraps any value, known or not.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let reverseARP = EtherType(rawValue: 0x8035)
    public static let vlan = EtherType(rawValue: 0x8100)
    public static let ipv6 = EtherType(rawValue: 0x86dd)
    public static let qinq = EtherType(rawValue: 0x88a8)
    public static let qinqOld = EtherType(rawValue: 0x9100)
    public static let eapol = EtherType(rawValue: 0x888e)
    public static let lldp = EtherType(rawValue: 0x88cc)

    /// True for the tag protocol identifiers of 802.1Q and 802.1ad.
    public var isVLANTag: Bool { self == .vlan || self == .qinq || self == .qinqOld }

    /// "IPv4", "ARP"… or nil.
    public var name: String? {
        switch rawValue {
        case 0x0800: return "IPv4"
        case 0x0806: return "ARP"
        case 0x8035: return "RARP"
        case 0x8100: return "802.1Q VLAN"
        case 0x86dd: return "IPv6"
        case 0x88a8: return "802.1ad VLAN"
        case 0x9100: return "802.1Q-in-Q VLAN"
        case 0x888e: return "EAPOL (WPA key exchange)"
        case 0x88cc: return "LLDP"
        default: return nil
        }
    }

    /// "0x0800", as Wireshark prints it.
    public var description: String { hex16(rawValue) }

    var meaning: String {
        if let name { return "the payload is \(name)" }
        return "EtherType \(hex16(rawValue)), a protocol SocketScope does not decode"
    }
}

/// "0x0800".
@inline(__always) func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// "0x02".
@inline(__always) func hex8(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return "0x" + (digits.count < 2 ? "0" : "") + digits
}

/// "0x00abcd" (Wireshark's 24-bit fields).
@inline(__always) func hex24(_ value: UInt32) -> String {
    let digits = String(value & 0xff_ffff, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
}

/// "0x0000abcd".
@inline(__always) func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// What a MAC address says about its owner, in words.
func macMeaning(_ mac: MACAddress, role: String) -> String {
    if mac.isBroadcast { return "\(role) is broadcast: every device on the network segment receives it" }
    if mac.isMulticast { return "\(role) is a multicast group address (for example mDNS or IPv6 neighbour discovery)" }
    if let vendor = KnownOUI.vendor(mac.oui) {
        return "\(role) is a network card made by \(vendor)"
    }
    if mac.isLocallyAdministered {
        return "\(role) is a locally administered (often randomised) address"
    }
    return "\(role) is this hardware address"
}

/// A few vendor prefixes that matter for students' boards.
enum KnownOUI {
    static func vendor(_ oui: UInt32) -> String? {
        switch oui {
        case 0x5ccf7f, 0x18fe34, 0x240ac4, 0x2c3ae8, 0x30aea4, 0x3c71bf, 0x4c11ae, 0x500291, 0x5c0290, 0x600194,
             0x68c63a, 0x807d3a, 0x84f3eb, 0x8caab5, 0x98f4ab, 0xa020a6, 0xa4cf12, 0xa4e57c, 0xb4e62d, 0xbcddc2,
             0xc44f33, 0xc45bbe, 0xc82b96, 0xcc50e3, 0xd8a01d, 0xdc4f22, 0xecfabc, 0xe868e7, 0xf4cfa2, 0x2cf432,
             0x48e729, 0x083af2, 0x34865d, 0x3c6105, 0x40f520, 0x8cce4e, 0xe09806, 0xe8db84, 0xa848fa, 0xc8c9a3:
            return "Espressif (ESP8266/ESP32)"
        case 0xb827eb, 0xdca632, 0xe45f01, 0x2ccf67, 0xd83add: return "Raspberry Pi"
        default: return nil
        }
    }
}

/// The Ethernet II header and any VLAN tags after it. Its values go straight into `DecodedFrame`
/// (`destinationMAC`, `sourceMAC`, `vlanIDs`, `etherType`).
public enum EthernetHeader {
    /// Destination, source and EtherType.
    public static let size = 14
    /// A cap on stacked tags (802.1ad uses two); more is treated as data.
    public static let maximumVLANTags = 4

    /// Reads the header and tags, fills the frame's link-layer properties, and returns the network EtherType.
    static func decode(_ reader: inout FrameReader, _ frame: inout DecodedFrame,
                       _ context: inout DecodeContext, localMACs: Set<MACAddress>) throws(WireError) -> EtherType {
        let destination = try reader.mac(.eth, "eth.dst", meaning: { macMeaning($0, role: "the receiving device") })
        let source = try reader.mac(.eth, "eth.src", meaning: { macMeaning($0, role: "the sending device") })
        frame.destinationMAC = destination
        frame.sourceMAC = source
        if context.outgoingOverride == nil, localMACs.contains(source) { context.outgoing = true }
        var type = EtherType(rawValue: try reader.u16(.eth, "eth.type", display: hex16, meaning: { raw in
            raw < 0x0600 ? "an IEEE 802.3 length field (\(raw) bytes), not an EtherType" : EtherType(rawValue: raw).meaning
        }))
        if type.rawValue < 0x0600 {
            // 802.3 with LLC: the field is a length (IEEE 802.3 §3.2.6).
            context.narrow(&reader, to: Int(type.rawValue), by: "eth.len", layer: .eth)
            frame.etherType = type.rawValue
            if let inner = try LLCHeader.decode(&reader) { type = inner; frame.etherType = inner.rawValue; return inner }
            try FrameDecoder.recordData(&reader, .llc, "llc.data", meaning: "802.2 LLC payload")
            return type
        }
        var tags = 0
        while type.isVLANTag, tags < maximumVLANTags {
            tags += 1
            let tci = try reader.u16(.vlan, "vlan.tci", display: hex16,
                                     meaning: { "tag control information: priority \($0 >> 13), VLAN \($0 & 0x0fff)" })
            reader.bits(.vlan, "vlan.priority", mask: 0xe000, value: UInt64(tci >> 13),
                        meaning: { "802.1p priority \($0) (0 is best effort)" })
            reader.bits(.vlan, "vlan.dei", mask: 0x1000, value: UInt64(tci >> 12 & 1),
                        meaning: { $0 == 1 ? "may be dropped first under congestion" : "not marked drop-eligible" })
            reader.bits(.vlan, "vlan.id", mask: 0x0fff, value: UInt64(tci & 0x0fff),
                        meaning: { "the frame belongs to virtual LAN \($0)" })
            frame.vlanIDList.append(tci & 0x0fff)  // at most maximumVLANTags, the list's capacity
            type = EtherType(rawValue: try reader.u16(.vlan, "vlan.etype", display: hex16,
                                                      meaning: { EtherType(rawValue: $0).meaning }))
        }
        frame.etherType = type.rawValue
        return type
    }
}

/// IEEE 802.2 LLC with a SNAP extension (RFC 1042), which carries EtherTypes over 802.11 and 802.3.
enum LLCHeader {
    /// Reads an LLC header; returns the SNAP EtherType, or nil (bytes left unread) when it is not SNAP.
    static func decode(_ reader: inout FrameReader) throws(WireError) -> EtherType? {
        guard reader.peekU8(at: reader.offset) == 0xaa, reader.peekU8(at: reader.offset + 1) == 0xaa,
              reader.peekU8(at: reader.offset + 2) == 0x03 else { return nil }
        _ = try reader.u8(.llc, "llc.dsap", display: hex8, meaning: { _ in "destination service access point 0xaa: SNAP" })
        _ = try reader.u8(.llc, "llc.ssap", display: hex8, meaning: { _ in "source service access point 0xaa: SNAP" })
        _ = try reader.u8(.llc, "llc.control", display: hex8, meaning: { _ in "unnumbered information frame (connectionless)" })
        _ = try reader.bytes(.llc, "llc.oui", count: 3, display: { "0x" + hexString($0) },
                             meaning: { _ in "organisation code; 000000 means the next field is an EtherType" })
        return EtherType(rawValue: try reader.u16(.llc, "llc.type", display: hex16,
                                                  meaning: { EtherType(rawValue: $0).meaning }))
    }
}
