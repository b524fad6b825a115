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
