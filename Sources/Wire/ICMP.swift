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

// MARK: - Parser

/// Reads ICMP (RFC 792) and ICMPv6 (RFC 4443) messages, including the datagram an error quotes.
public enum ICMPHeader {
    /// What a type and code mean, in words.
    public static func describe(type: UInt8, code: UInt8, isV6: Bool) -> String {
        if isV6 {
            switch type {
            case 1:
                switch code {
                case 0: return "destination unreachable: no route to the destination"
                case 1: return "destination unreachable: communication administratively prohibited (a firewall)"
                case 3: return "destination unreachable: address unreachable (no neighbour answered)"
                case 4: return "destination unreachable: port unreachable (nothing listens on that UDP port)"
                default: return "destination unreachable, code \(code)"
                }
            case 2: return "packet too big: a link on the path has a smaller MTU"
            case 3: return code == 0 ? "time exceeded: the hop limit reached 0 (a loop, or traceroute)" : "time exceeded: fragment reassembly timed out"
            case 4: return "parameter problem: the receiver could not parse the header"
            case 128: return "echo request (ping)"
            case 129: return "echo reply (answer to ping)"
            case 133: return "router solicitation: looking for a router"
            case 134: return "router advertisement: a router announces itself and the network prefix"
            case 135: return "neighbour solicitation: who has this IPv6 address? (IPv6's ARP)"
            case 136: return "neighbour advertisement: the answer to a neighbour solicitation"
            case 143: return "multicast listener report"
            default: return "ICMPv6 type \(type) code \(code)"
            }
        }
        switch type {
        case 0: return "echo reply (answer to ping)"
        case 3:
            switch code {
            case 0: return "destination unreachable: network unreachable (no route)"
            case 1: return "destination unreachable: host unreachable (nobody answered ARP for it)"
            case 2: return "destination unreachable: protocol unreachable"
            case 3: return "destination unreachable: port unreachable (nothing listens on that UDP port)"
            case 4: return "destination unreachable: fragmentation needed but DF set (path MTU discovery)"
            case 13: return "destination unreachable: communication administratively prohibited (a firewall)"
            default: return "destination unreachable, code \(code)"
            }
        case 4: return "source quench (obsolete)"
        case 5: return "redirect: use another router for this destination"
        case 8: return "echo request (ping)"
        case 11: return code == 0 ? "time exceeded: the TTL reached 0 in transit (a loop, or traceroute)" : "time exceeded: fragment reassembly timed out"
        case 12: return "parameter problem: the receiver could not parse the header"
        case 13: return "timestamp request"
        case 14: return "timestamp reply"
        default: return "ICMP type \(type) code \(code)"
        }
    }

    static func isError(type: UInt8, isV6: Bool) -> Bool {
        isV6 ? (1...4).contains(type) : [3, 4, 5, 11, 12].contains(type)
    }

    /// Reads the message header and, for errors, the quoted datagram. The reader is left at any data.
    public static func decode(_ reader: inout FrameReader, isV6: Bool,
                              checksumStatus: ChecksumStatus? = nil) throws(WireError) -> ICMPMessage {
        let layer: Layer = isV6 ? .icmpv6 : .icmp
        let peekedCode = reader.peekU8(at: reader.offset + 1) ?? 0
        let type = try reader.u8(layer, isV6 ? "icmpv6.type" : "icmp.type", meaning: { describe(type: $0, code: peekedCode, isV6: isV6) })
        let code = try reader.u8(layer, isV6 ? "icmpv6.code" : "icmp.code", meaning: { describe(type: type, code: $0, isV6: isV6) })
        _ = try reader.u16(layer, isV6 ? "icmpv6.checksum" : "icmp.checksum", display: hex16, meaning: { value in
            switch checksumStatus {
            case .good?: return "checksum \(hex16(value)) over the whole message is correct"
            case .bad?: return "checksum \(hex16(value)) is wrong: the message was corrupted"
            case .offloaded?: return "checksum not filled in yet: the network card computes it (offload)"
            default: return "checksum \(hex16(value)), not checked (the message was not captured whole)"
            }
        })
        var message = ICMPMessage(isV6: isV6, type: type, code: code)
        let echo = isV6 ? (type == 128 || type == 129) : (type == 0 || type == 8 || type == 13 || type == 14)
        if echo {
            _ = try reader.u16(layer, isV6 ? "icmpv6.echo.identifier" : "icmp.ident",
                               meaning: { "identifier \($0): matches replies to the pinging program" })
            _ = try reader.u16(layer, isV6 ? "icmpv6.echo.sequence_number" : "icmp.seq",
                               meaning: { "sequence number \($0): counts the pings (a gap means a lost one)" })
            return message
        }
        guard isError(type: type, isV6: isV6) else {
            if type == 135 || type == 136, isV6 {
                _ = try reader.u32(layer, "icmpv6.nd.flags", display: hex32, meaning: { _ in "flags (router, solicited, override) and reserved bits" })
                _ = try reader.bytes(layer, type == 135 ? "icmpv6.nd.ns.target_address" : "icmpv6.nd.na.target_address", count: 16,
                                     display: { IPAddress(v6: $0).description }, meaning: { _ in "the address being resolved" })
            }
            return message
        }
        // Errors: 4 bytes (unused, MTU or pointer), then as much of the offending datagram as fits (RFC 792, RFC 4443 §3).
        if !isV6 && type == 3 && code == 4 {
            _ = try reader.u16(layer, "icmp.unused", meaning: { _ in "unused" })
            _ = try reader.u16(layer, "icmp.mtu", meaning: { "the next link's MTU is \($0) bytes: send smaller packets" })
        } else if isV6 && type == 2 {
            _ = try reader.u32(layer, "icmpv6.mtu", meaning: { "the next link's MTU is \($0) bytes: send smaller packets" })
        } else if type == 12 || (isV6 && type == 4) {
            _ = try reader.u32(layer, isV6 ? "icmpv6.pointer" : "icmp.pointer", meaning: { "the problem is at byte \($0 >> (isV6 ? 0 : 24)) of the quoted header" })
        } else {
            _ = try reader.bytes(layer, isV6 ? "icmpv6.unused" : "icmp.unused", count: 4, meaning: { _ in "unused (zero)" })
        }
        message.quoted = quoted(&reader, layer: layer, isV6: isV6)
        return message
    }

    /// The quoted datagram: its IP header and the first bytes of its transport header (ports). Never throws: what
    /// cannot be read is left to the caller's data field.
    static func quoted(_ reader: inout FrameReader, layer: Layer, isV6: Bool) -> QuotedDatagram? {
        let start = reader.offset
        let headerLength: Int
        if isV6 {
            headerLength = IPv6Header.size
        } else {
            guard let vhl = reader.peekU8(at: start), vhl >> 4 == 4 else { return nil }
            headerLength = Int(vhl & 0x0f) * 4
        }
        guard headerLength >= 20, reader.remaining >= headerLength else { return nil }
        let transport = min(reader.remaining - headerLength, 8)
        reader.beginGroup(layer, isV6 ? "icmpv6.quoted" : "icmp.quoted", value: { "\(headerLength + transport) bytes" },
                          meaning: { "the start of the packet that caused this error, quoted back to its sender" })
        defer { reader.endGroup() }
        var result: QuotedDatagram
        do {
            if isV6 {
                let header = try IPv6Header(from: &reader)
                result = QuotedDatagram(sourceIP: header.source, destinationIP: header.destination,
                                        ipProtocol: header.nextHeader.rawValue)
            } else {
                let header = try IPv4Header(from: &reader)
                result = QuotedDatagram(sourceIP: header.source, destinationIP: header.destination,
                                        ipProtocol: header.protocolNumber.rawValue)
            }
            let proto = result.ipProtocol
            if proto == 1 || proto == 58, reader.remaining >= 8 {
                // A quoted ping (traceroute's probes): type, code, checksum, identifier, sequence.
                let inner: Layer = proto == 1 ? .icmp : .icmpv6
                let innerType = try reader.u8(inner, proto == 58 ? "icmpv6.type" : "icmp.type", meaning: { describe(type: $0, code: 0, isV6: proto == 58) })
                _ = try reader.u8(inner, proto == 58 ? "icmpv6.code" : "icmp.code", meaning: { describe(type: innerType, code: $0, isV6: proto == 58) })
                _ = try reader.u16(inner, proto == 58 ? "icmpv6.checksum" : "icmp.checksum", display: hex16, meaning: { _ in "the original message's checksum" })
                _ = try reader.u16(inner, proto == 1 ? "icmp.ident" : "icmpv6.echo.identifier", meaning: { "the original ping's identifier \($0)" })
                _ = try reader.u16(inner, proto == 1 ? "icmp.seq" : "icmpv6.echo.sequence_number", meaning: { "the original ping's sequence number \($0)" })
            } else if (proto == 6 || proto == 17), reader.remaining >= 4 {
                let transportLayer: Layer = proto == 6 ? .tcp : .udp
                result.sourcePort = try reader.u16(transportLayer, proto == 6 ? "tcp.srcport" : "udp.srcport", meaning: { portMeaning($0, role: "original sender") })
                result.destinationPort = try reader.u16(transportLayer, proto == 6 ? "tcp.dstport" : "udp.dstport", meaning: { portMeaning($0, role: "original receiver") })
            }
        } catch {
            return nil
        }
        return result
    }
}
