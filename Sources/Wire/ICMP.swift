/// ICMP (RFC 792) and ICMPv6 (RFC 4443).

/// A decoded ICMP or ICMPv6 message.
public struct ICMPMessage: Sendable, Hashable {
    public var isV6: Bool
    public var type: UInt8
    public var code: UInt8
    /// For errors (destination unreachable, time exceeded…): the original datagram the message quotes.
    public var quoted: QuotedDatagram?

    public init(isV6: Bool, type: UInt8, code: UInt8, quoted: QuotedDatagram? = nil) {
        self.isV6 = isV6
        self.type = type
        self.code = code
        self.quoted = quoted
    }
}

/// The start of the datagram that an ICMP error quotes back.
public struct QuotedDatagram: Sendable, Hashable {
    public var sourceIP: IPAddress
    public var destinationIP: IPAddress
    public var ipProtocol: UInt8
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?

    public init(sourceIP: IPAddress, destinationIP: IPAddress, ipProtocol: UInt8, sourcePort: UInt16? = nil,
                destinationPort: UInt16? = nil) {
        self.sourceIP = sourceIP
        self.destinationIP = destinationIP
        self.ipProtocol = ipProtocol
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }
}
