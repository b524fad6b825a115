/// ARP (RFC 826), with the gratuitous and probe forms (RFC 5227).

/// A decoded ARP packet for IPv4 over Ethernet.
public struct ARPPacket: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case request, reply, gratuitous, probe, other
    }
    public var operation: UInt16
    public var senderMAC: MACAddress
    public var senderIP: IPAddress
    public var targetMAC: MACAddress
    public var targetIP: IPAddress
    public var kind: Kind

    public init(operation: UInt16, senderMAC: MACAddress, senderIP: IPAddress, targetMAC: MACAddress,
                targetIP: IPAddress, kind: Kind) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
        self.kind = kind
    }
}

// MARK: - Parser

/// Reads ARP packets (RFC 826).
public enum ARPHeader {
    /// Reads and records the packet; returns an `ARPPacket` for Ethernet/IPv4 ARP (the only kind lwIP speaks),
    /// nil for other hardware or protocol types (their fields are still recorded).
    public static func decode(_ reader: inout FrameReader) throws(WireError) -> ARPPacket? {
        let hardware = try reader.u16(.arp, "arp.hw.type", meaning: { $0 == 1 ? "hardware type 1: Ethernet (Wi-Fi uses it too)" : "hardware type \($0)" })
        let proto = try reader.u16(.arp, "arp.proto.type", display: hex16,
                                   meaning: { $0 == 0x0800 ? "the addresses being resolved are IPv4" : "protocol type \(hex16($0))" })
        let hardwareSize = try reader.u8(.arp, "arp.hw.size", meaning: { "hardware addresses are \($0) bytes" })
        let protocolSize = try reader.u8(.arp, "arp.proto.size", meaning: { "protocol addresses are \($0) bytes" })
        let operation = try reader.u16(.arp, "arp.opcode", meaning: { op in
            switch op {
            case 1: return "request: who has the target IP address? (sent to everyone)"
            case 2: return "reply: the sender has the sender IP address, at the sender MAC"
            case 3: return "reverse ARP request"
            case 4: return "reverse ARP reply"
            default: return "operation \(op)"
            }
        })
        let ethernetIPv4 = hardware == 1 && proto == 0x0800 && hardwareSize == 6 && protocolSize == 4
        func mac(_ name: String, _ macName: String, _ role: String) throws(WireError) -> MACAddress? {
            guard hardwareSize > 0 else { return nil }  // nothing to record: fields never have zero length
            let bytes = try reader.bytes(.arp, ethernetIPv4 ? macName : name, count: Int(hardwareSize),
                                         display: { ethernetIPv4 ? MACAddress(bytes: $0).description : hexString($0) },
                                         meaning: { bytes in
                                             if ethernetIPv4, MACAddress(bytes: bytes).rawValue == 0 { return "\(role) MAC unknown (zero): that is what the request asks for" }
                                             return ethernetIPv4 ? macMeaning(MACAddress(bytes: bytes), role: "the \(role)") : "the \(role)'s hardware address" })
            return ethernetIPv4 ? MACAddress(bytes: bytes) : nil
        }
        func ip(_ name: String, _ ipName: String, _ role: String) throws(WireError) -> IPAddress? {
            guard protocolSize > 0 else { return nil }
            let bytes = try reader.bytes(.arp, ethernetIPv4 ? ipName : name, count: Int(protocolSize),
                                         display: { ethernetIPv4 ? IPAddress(v4: $0).description : hexString($0) },
                                         meaning: { bytes in ethernetIPv4 ? "the \(role)'s IP address" + (IPAddress(v4: bytes) == .v4(0) ? " is 0.0.0.0: the sender has no address yet (an address probe)" : "") : "the \(role)'s protocol address" })
            return ethernetIPv4 ? IPAddress(v4: bytes) : nil
        }
        let senderMAC = try mac("arp.src.hw", "arp.src.hw_mac", "sender")
        let senderIP = try ip("arp.src.proto", "arp.src.proto_ipv4", "sender")
        let targetMAC = try mac("arp.dst.hw", "arp.dst.hw_mac", "target")
        let targetIP = try ip("arp.dst.proto", "arp.dst.proto_ipv4", "target")
        guard let senderMAC, let senderIP, let targetMAC, let targetIP else { return nil }
        // RFC 5227 §2.1.1 probe: sender IP 0; §3 announcement / gratuitous ARP: sender IP == target IP.
        let kind: ARPPacket.Kind
        if operation == 1 && senderIP == .v4(0) { kind = .probe }
        else if senderIP == targetIP { kind = .gratuitous }
        else if operation == 1 { kind = .request }
        else if operation == 2 { kind = .reply }
        else { kind = .other }
        return ARPPacket(operation: operation, senderMAC: senderMAC, senderIP: senderIP, targetMAC: targetMAC,
                         targetIP: targetIP, kind: kind)
    }
}
