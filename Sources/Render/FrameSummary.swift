import Sessions
import Wire

/// The one-line, plain-words summary of a frame (like tshark's Info column). Built only from the decoded frame
/// and the session annotation; every packet-derived string is escaped for the terminal by the caller.
public enum FrameSummary {
    /// "192.168.4.2:4321 → 192.168.4.1:80" style endpoints, or MAC addresses for frames without IP.
    public static func endpoints(_ frame: DecodedFrame) -> String {
        if let source = frame.sourceIP, let destination = frame.destinationIP {
            let ports = transportPorts(frame)
            if let text = String(writingUpTo: endpointsCapacity, { writeIPv4Endpoints(frame, into: $0) }) {
                return text
            }
            return address(source, ports?.0) + " → " + address(destination, ports?.1)
        }
        if let arp = frame.arp { return arp.senderMAC.description + " → " + (frame.destinationMAC?.description ?? "?") }
        if let source = frame.sourceMAC, let destination = frame.destinationMAC {
            return source.description + " → " + destination.description
        }
        return "-"
    }

    /// Room `writeIPv4Endpoints` needs: "a.b.c.d:p → e.f.g.h:q" is at most 49 bytes.
    public static let endpointsCapacity = 64

    /// `endpoints` of the usual frame, IPv4 with ports, written into `buffer` (at least `endpointsCapacity` bytes):
    /// the bytes written, or nil for any other frame. Only digits and our own punctuation: nothing to escape.
    public static func writeIPv4Endpoints(_ frame: DecodedFrame, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard case .v4(let from)? = frame.sourceIP, case .v4(let to)? = frame.destinationIP,
              let ports = transportPorts(frame) else { return nil }
        var out = ASCIIWriter(buffer)
        out.append(ipv4: from)
        out.append(":")
        out.append(UInt64(ports.0))
        out.append(" → ")
        out.append(ipv4: to)
        out.append(":")
        out.append(UInt64(ports.1))
        return out.count
    }

    private static func transportPorts(_ frame: DecodedFrame) -> (UInt16, UInt16)? {
        if let tcp = frame.tcp { return (tcp.sourcePort, tcp.destinationPort) }
        if let udp = frame.udp { return (udp.sourcePort, udp.destinationPort) }
        return nil
    }

    private static func address(_ ip: IPAddress, _ port: UInt16?) -> String {
        guard let port else { return ip.description }
        return ip.isV4 ? ip.description + ":" + String(port) : "[" + ip.description + "]:" + String(port)
    }

    /// The protocol column: the highest layer decoded.
    public static func protocolName(_ frame: DecodedFrame, _ annotation: FrameAnnotation) -> String {
        if let name = knownProtocolName(frame, annotation) { return name.description }
        if let type = frame.etherType { return "0x" + hex16(type) }
        return "?"
    }

    /// `protocolName` when it is one of the names we know (nil: an EtherType shown in hex, or "?").
    public static func knownProtocolName(_ frame: DecodedFrame, _ annotation: FrameAnnotation) -> StaticString? {
        if !annotation.http.isEmpty || frame.hasHTTP { return "HTTP" }
        if frame.hasDNS { return frame.udp?.destinationPort == 5353 || frame.udp?.sourcePort == 5353 ? "MDNS" : "DNS" }
        if frame.hasDHCP { return "DHCP" }
        if frame.tcp != nil { return "TCP" }
        if frame.udp != nil { return "UDP" }
        if let icmp = frame.icmp { return icmp.isV6 ? "ICMPv6" : "ICMP" }
        if frame.hasARP { return "ARP" }
        if let source = frame.sourceIP { return source.isV4 ? "IPv4" : "IPv6" }
        return nil
    }

    /// What the frame says, in plain words. `bytes` are the captured bytes `frame` was decoded from.
    public static func info(_ frame: DecodedFrame, _ annotation: FrameAnnotation, frameNumber: Int,
                            bytes: [UInt8]) -> String {
        var text: String
        if let dns = frame.dns {
            text = dnsInfo(dns)
        } else if frame.hasDHCP, let dhcp = frame.dhcp {
            text = dhcpInfo(dhcp)
        } else if let arp = frame.arp {
            text = arpInfo(arp)
        } else if let icmp = frame.icmp {
            text = ICMPHeader.describe(type: icmp.type, code: icmp.code, isV6: icmp.isV6)
            if let quoted = icmp.quoted {
                let name = quoted.ipProtocol == 6 ? "TCP" : quoted.ipProtocol == 17 ? "UDP" : "proto \(quoted.ipProtocol)"
                text += " (about \(name) to \(address(quoted.destinationIP, quoted.destinationPort)))"
            }
        } else if let tcp = frame.tcp {
            text = tcpInfo(tcp, annotation, frame)
        } else if frame.udp != nil {
            text = "UDP datagram, \(frame.payloadLength + frame.payloadMissing) bytes of data"
        } else if frame.sourceIP != nil {
            text = "IP datagram" + (frame.isFragment ? " fragment" : "") + (frame.ipProtocol.map { ", protocol \($0)" } ?? "")
        } else if let type = frame.etherType {
            text = "EtherType 0x" + hex16(type) + " (not decoded)"
        } else {
            text = "link type \(frame.linkType) frame (not decoded)"
        }
        if frame.tcp != nil, let http = httpPart(frame, annotation, frameNumber: frameNumber, bytes: bytes) {
            text += "  " + http
        }
        if let error = frame.stoppedAt { text += "  [" + error.summary + "]" }
        return text
    }

    /// Flags in the order Wireshark and tcpdump users know ("[SYN, ACK]", "[FIN, PSH, ACK]").
    static let displayOrder: [(TCPFlags, StaticString)] = [
        (.fin, "FIN"), (.syn, "SYN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"), (.urg, "URG"), (.ece, "ECE"),
        (.cwr, "CWR"),
    ]

    /// Whether `info` of a frame that has a TCP header is `tcpInfo` followed by nothing but its HTTP part
    /// (`httpPart`): no DNS over TCP, nothing else decoded on top, no decoding error — nearly every TCP frame.
    /// (Presence checks only: no layer is copied.)
    public static func infoIsTCPThenHTTP(_ frame: DecodedFrame, _ annotation: FrameAnnotation) -> Bool {
        !frame.hasDNS && !frame.hasDHCP && !frame.hasARP && frame.icmp == nil && !frame.hasStopped
    }

    /// What `info` says of HTTP after a TCP frame's summary: the head this frame completed (the reassembled view),
    /// else the head this one segment starts with; nil for neither. Packet text: escape it for a terminal.
    /// `bytes` are the captured bytes `frame` was decoded from (its head is read from them).
    public static func httpPart(_ frame: DecodedFrame, _ annotation: FrameAnnotation, frameNumber: Int,
                                bytes: [UInt8]) -> String? {
        if let exchange = annotation.http.last { return httpInfo(exchange, frameNumber: frameNumber) }
        if let head = frame.httpHead(in: bytes) { return headInfo(head) }
        return nil
    }

    /// Room `writeTCPInfo` needs: every flag, five numbers and the option marks come to about 150 bytes.
    public static let tcpInfoCapacity = 192

    /// The fixed part of a TCP segment's info ("[SYN, ACK] seq=0 ack=1 win=64240 len=0 MSS=1460"), written into
    /// `buffer` (at least `tcpInfoCapacity` bytes); returns the bytes written. Only digits and names of ours: nothing
    /// to escape.
    public static func writeTCPInfo(_ tcp: TCPHeader, _ annotation: FrameAnnotation, _ frame: DecodedFrame,
                                    into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var out = ASCIIWriter(buffer)
        out.append("[")
        var first = true
        for (flag, name) in displayOrder where tcp.flags.contains(flag) {
            if !first { out.append(", ") }
            out.append(name)
            first = false
        }
        out.append("] seq=")
        out.append(UInt64(annotation.relativeSequence ?? tcp.sequenceNumber))
        if tcp.flags.contains(.ack) {
            out.append(" ack=")
            out.append(UInt64(annotation.relativeAcknowledgement ?? tcp.acknowledgementNumber))
        }
        out.append(" win=")
        out.append(UInt64(tcp.window))
        out.append(" len=")
        out.append(signed: frame.payloadLength + frame.payloadMissing)
        if let mss = tcp.options.mss {
            out.append(" MSS=")
            out.append(UInt64(mss))
        }
        if let scale = tcp.options.windowScale {
            out.append(" WS=")
            out.append(UInt64(scale))
        }
        if tcp.options.sackPermitted { out.append(" SACK_PERM") }
        if tcp.options.timestamp != nil { out.append(" TS") }
        return out.count
    }

    /// The analysis labels that follow `writeTCPInfo`'s text (" {retransmission, duplicate_ack #2}"), nil when there
    /// are none. Our own names: nothing to escape.
    public static func tcpAnalysisLabels(_ annotation: FrameAnnotation) -> String? {
        guard !annotation.analysis.isEmpty else { return nil }
        var labels = annotation.analysis.names
        guard !labels.isEmpty else { return nil }
        if let number = annotation.duplicateAckNumber, let index = labels.firstIndex(of: "duplicate_ack") {
            labels[index] = "duplicate_ack #\(number)"
        }
        return " {" + labels.joined(separator: ", ") + "}"
    }

    static func tcpInfo(_ tcp: TCPHeader, _ annotation: FrameAnnotation, _ frame: DecodedFrame) -> String {
        // Written as ASCII straight into the String's storage (one allocation; Swift String appends cost a few
        // hundred instructions each).
        let text = String(unsafeUninitializedCapacity: tcpInfoCapacity) { writeTCPInfo(tcp, annotation, frame, into: $0) }
        guard let labels = tcpAnalysisLabels(annotation) else { return text }
        return text + labels
    }

    /// The HTTP head this frame completed: the response if its head ended here, else the request.
    static func httpInfo(_ exchange: HTTPTransaction, frameNumber: Int) -> String {
        if exchange.responseFrame == frameNumber, let status = exchange.status {
            return "HTTP response " + (exchange.responseVersion ?? exchange.version ?? "") + " \(status) " + (exchange.reason ?? "")
        }
        return "HTTP " + (exchange.method ?? "?") + " " + (exchange.uri ?? "?") + " " + (exchange.version ?? "")
    }

    static func headInfo(_ head: HTTPHead) -> String {
        if head.isRequest {
            return "HTTP " + (head.method ?? "?") + " " + (head.uri ?? "?") + " " + head.version
        }
        return "HTTP " + head.version + " " + (head.status.map(String.init) ?? "?") + " " + (head.reason ?? "")
    }

    static func dnsInfo(_ dns: DNSMessage) -> String {
        let question = dns.questions.first
        let name = question?.name ?? "?"
        let type = question.map { DNSMessage.typeName($0.type) } ?? "?"
        if !dns.isResponse { return "DNS query \(type) \(name) (id \(dns.id))" }
        if dns.rcode != 0 { return "DNS response \(DNSMessage.rcodeName(dns.rcode)) for \(type) \(name) (id \(dns.id))" }
        let answers = dns.answers.prefix(4).map { DNSMessage.typeName($0.type) + " " + $0.data }
        return "DNS response \(type) \(name) → " + (answers.isEmpty ? "no answers" : answers.joined(separator: ", "))
            + " (id \(dns.id))"
    }

    static func dhcpInfo(_ dhcp: DHCPMessage) -> String {
        var text = "DHCP " + (dhcp.messageType.map(DHCPMessage.messageTypeName) ?? (dhcp.op == 1 ? "BOOTP request" : "BOOTP reply"))
        switch dhcp.messageType {
        case 1, 3, 7, 8: text += " from \(dhcp.clientMAC)"
        case 2, 5: text += " of \(dhcp.yourIP) to \(dhcp.clientMAC)"
        default: break
        }
        if let requested = dhcp.requestedIP { text += ", asks for \(requested)" }
        if let hostname = dhcp.hostname { text += ", hostname \(hostname)" }
        return text
    }

    static func arpInfo(_ arp: ARPPacket) -> String {
        switch arp.kind {
        case .request: return "ARP who has \(arp.targetIP)? tell \(arp.senderIP)"
        case .reply: return "ARP \(arp.senderIP) is at \(arp.senderMAC)"
        case .gratuitous: return "gratuitous ARP: \(arp.senderIP) is at \(arp.senderMAC)"
        case .probe: return "ARP probe: is anyone using \(arp.targetIP)?"
        case .other: return "ARP operation \(arp.operation)"
        }
    }

    static func hex16(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    /// A String of what `write` puts into a buffer of `capacity` bytes, or nil when it writes nothing (returns nil).
    init?(writingUpTo capacity: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int?) {
        var wrote = false
        let text = String(unsafeUninitializedCapacity: capacity) { buffer in
            guard let count = write(buffer) else { return 0 }
            wrote = true
            return count
        }
        guard wrote else { return nil }
        self = text
    }
}

/// Appends ASCII into a fixed buffer; bytes past its end are dropped (callers size it for the longest text), so
/// it never writes out of bounds.
public struct ASCIIWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    public private(set) var count = 0

    public init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    @inline(__always)
    public mutating func put(_ byte: UInt8) {
        guard count < buffer.count else { return }
        buffer[count] = byte
        count += 1
    }

    public mutating func append(_ text: StaticString) {
        let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for byte in bytes { put(byte) }
    }

    public mutating func append(_ value: UInt64) {
        DecimalDigits.withDigits(of: value) { digits in
            for digit in digits { put(digit) }
        }
    }

    /// Dotted quad (nothing when fewer than 15 bytes are left: callers size the buffer for the longest text).
    public mutating func append(ipv4 value: UInt32) {
        guard count < buffer.count else { return }
        count += IPAddress.writeDottedQuad(value, into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
    }

    public mutating func append(signed value: Int) {
        if value < 0 { put(UInt8(ascii: "-")) }
        append(UInt64(value.magnitude))
    }
}

/// The decimal digits of a number, written right to left into a stack buffer: no String, no heap. Shared by the
/// byte-level writers of summaries and text lines.
public enum DecimalDigits {
    /// Calls `body` with the ASCII digits of `value` (the buffer is valid only during the call).
    public static func withDigits(of value: UInt64, _ body: (UnsafeRawBufferPointer) -> Void) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64.max's 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var first = 20
            var rest = value
            repeat {
                first -= 1
                raw[first] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            body(UnsafeRawBufferPointer(rebasing: raw[first..<20]))
        }
    }
}
