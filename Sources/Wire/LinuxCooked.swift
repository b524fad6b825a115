/// Linux "cooked" capture headers: SLL (LINKTYPE_LINUX_SLL, 113) and SLL2 (LINKTYPE_LINUX_SLL2, 276),
/// as written by `tcpdump -i any`.

/// A decoded SLL or SLL2 header.
public struct LinuxCookedHeader: Sendable, Hashable {
    /// 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.
    public var packetType: UInt16
    /// ARPHRD_ type of the interface (1 Ethernet, 772 loopback…).
    public var hardwareType: UInt16
    /// Length of the sender's link-layer address (6 for Ethernet).
    public var addressLength: Int
    /// The sender's MAC address when `addressLength` is 6.
    public var sourceMAC: MACAddress?
    /// The network protocol that follows (an EtherType).
    public var protocolType: EtherType
    /// SLL2 only.
    public var interfaceIndex: UInt32?

    static func packetTypeMeaning(_ type: UInt16) -> String {
        switch type {
        case 0: return "the packet was addressed to the capturing machine"
        case 1: return "the packet was broadcast to every machine"
        case 2: return "the packet was sent to a multicast group"
        case 3: return "the packet was addressed to another machine (seen in promiscuous mode)"
        case 4: return "the capturing machine sent this packet itself (so zero or wrong checksums are the NIC's offload, not errors)"
        default: return "packet type \(type), unknown"
        }
    }

    static func hardwareTypeMeaning(_ type: UInt16) -> String {
        switch type {
        case 1: return "the interface is Ethernet or Wi-Fi (ARPHRD_ETHER)"
        case 772: return "the interface is loopback (ARPHRD_LOOPBACK)"
        case 776: return "the interface is a tunnel (ARPHRD_SIT)"
        case 65534: return "the interface has no link-layer header (ARPHRD_NONE, e.g. a VPN)"
        default: return "the interface has ARPHRD_ type \(type)"
        }
    }

    /// Reads an SLL header (16 bytes).
    public init(from reader: inout FrameReader) throws(WireError) {
        packetType = try reader.u16(.sll, "sll.pkttype", meaning: Self.packetTypeMeaning)
        hardwareType = try reader.u16(.sll, "sll.hatype", meaning: Self.hardwareTypeMeaning)
        let length = try reader.u16(.sll, "sll.halen", meaning: { "the link-layer address below is \($0) bytes long" })
        addressLength = Int(length)
        try Self.readAddress(&reader, length: addressLength, into: &sourceMAC)
        protocolType = EtherType(rawValue: try reader.u16(.sll, hardwareType == 1 || hardwareType == 772 ? "sll.etype" : "sll.ltype",
                                                          display: hex16, meaning: { EtherType(rawValue: $0).meaning }))
        interfaceIndex = nil
    }

    /// Reads an SLL2 header (20 bytes).
    public init(sll2From reader: inout FrameReader) throws(WireError) {
        protocolType = EtherType(rawValue: try reader.u16(.sll, "sll.etype", display: hex16,
                                                          meaning: { EtherType(rawValue: $0).meaning }))
        _ = try reader.u16(.sll, "sll.reserved", display: hex16, meaning: { _ in "reserved, always zero" })
        interfaceIndex = try reader.u32(.sll, "sll.ifindex", meaning: { "captured on interface number \($0) (see `ip link`)" })
        hardwareType = try reader.u16(.sll, "sll.hatype", meaning: Self.hardwareTypeMeaning)
        packetType = UInt16(try reader.u8(.sll, "sll.pkttype", meaning: { Self.packetTypeMeaning(UInt16($0)) }))
        let length = try reader.u8(.sll, "sll.halen", meaning: { "the link-layer address below is \($0) bytes long" })
        addressLength = Int(length)
        try Self.readAddress(&reader, length: addressLength, into: &sourceMAC)
    }

    /// The 8-byte address slot: the sender's address, then unused bytes.
    private static func readAddress(_ reader: inout FrameReader, length: Int,
                                    into mac: inout MACAddress?) throws(WireError) {
        try reader.require(8, .sll)
        if length == 6 {
            mac = MACAddress(bytes: try reader.bytes(.sll, "sll.src.eth", count: 6,
                display: { MACAddress(bytes: $0).description },
                meaning: { macMeaning(MACAddress(bytes: $0), role: "the sending device") }))
            _ = try reader.bytes(.sll, "sll.unused", count: 2, meaning: { _ in "unused room in the 8-byte address slot" })
        } else {
            let used = min(max(length, 0), 8)
            if used > 0 {
                _ = try reader.bytes(.sll, "sll.src.other", count: used, meaning: { _ in "the sender's link-layer address" })
            }
            if used < 8 {
                _ = try reader.bytes(.sll, "sll.unused", count: 8 - used, meaning: { _ in "unused room in the 8-byte address slot" })
            }
        }
    }
}
