import Capture
import Sessions
import Wire

/// Writes one frame of `read --format json`: the names here are fixed (outside tools rely on them); add, never
/// rename. Every value comes from the decoded frame or the session annotation.
public enum FrameJSON {
    /// A whole line but its step and closing brace: the frame's own fields, its session and its layers, through
    /// one lent writer (one call into Render per line: across modules every writer call is a call).
    public static func writeFrame(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation,
                                  into json: inout JSONWriter) {
        json.withUnique { json in
            writeHead(frame, into: &json)
            if let session = annotation.session { json.field("session", session) } else { json.fieldNull("session") }
            writeLayersAfterSession(decoded, annotation, frameNumber: frame.number, into: &json)
        }
    }

    /// `writeFrame` with `0` standing for the session number, for a flow-partitioned worker, which writes lines
    /// before sessions have their final numbers. Returns where the stand-in is in the writer's bytes (nil: the frame
    /// has no session, and says `null`).
    public static func writeFrameWithSessionStandIn(_ frame: Frame, _ decoded: DecodedFrame,
                                                    _ annotation: FrameAnnotation, into json: inout JSONWriter) -> Int? {
        json.withUnique { json in
            writeHead(frame, into: &json)
            var standIn: Int?
            if annotation.session != nil {
                json.key("session")
                standIn = json.byteCount
                json.int(0)
            } else {
                json.fieldNull("session")
            }
            writeLayersAfterSession(decoded, annotation, frameNumber: frame.number, into: &json)
            return standIn
        }
    }

    /// The fields every line starts with, the object left open.
    static func writeHead(_ frame: Frame, into json: inout UniqueJSONWriter) {
        json.beginObject()
        json.field("frame", frame.number)
        json.key("time"); json.timestamp(seconds: frame.seconds, nanoseconds: frame.nanoseconds)
        json.field("length", frame.originalLength)
        json.field("caplen", frame.capturedLength)
        json.field("linktype", frame.linkType)
        if let index = frame.interfaceIndex { json.field("interface", index) }
    }

    /// The frame's layers after its session, into the lent writer of `writeFrame`.
    static func writeLayersAfterSession(_ frame: DecodedFrame, _ annotation: FrameAnnotation, frameNumber: Int,
                                        into json: inout UniqueJSONWriter) {
        if frame.sourceMAC != nil || frame.destinationMAC != nil {
            json.key("eth"); json.objectValue()
            if let source = frame.sourceMAC { json.key("src"); json.mac(source) }
            if let destination = frame.destinationMAC { json.key("dst"); json.mac(destination) }
            if let type = frame.etherType { json.key("type"); json.hex16String(type) }
            if frame.vlanIDList.count > 0 {
                json.key("vlan"); json.arrayValue()
                for id in frame.vlanIDs { json.int(id) }
                json.endArray()
            }
            json.endObject()
        }
        // Rare layers are tested first: reading one that is absent still goes through its box (a call per frame).
        if frame.hasARP, let arp = frame.arp {
            json.key("arp"); json.objectValue()
            json.field("opcode", arp.operation)
            json.field("kind", arp.kind.rawValue)
            json.key("sender_mac"); json.mac(arp.senderMAC)
            json.key("sender_ip"); json.ip(arp.senderIP)
            json.key("target_mac"); json.mac(arp.targetMAC)
            json.key("target_ip"); json.ip(arp.targetIP)
            json.endObject()
        }
        if let source = frame.sourceIP, let destination = frame.destinationIP {
            if source.isV4 { json.key("ip") } else { json.key("ipv6") }
            json.objectValue()
            json.key("src"); json.ip(source)
            json.key("dst"); json.ip(destination)
            if let ttl = frame.ttl { if source.isV4 { json.field("ttl", ttl) } else { json.field("hlim", ttl) } }
            if let id = frame.ipID { json.field("id", id) }
            if let proto = frame.ipProtocol { json.field("proto", proto) }
            if source.isV4 { json.field("df", frame.dontFragment) }
            if frame.isFragment { json.field("fragment", true) }
            if let checksum = frame.ipChecksum { json.field("checksum", literal: checksum.name) }
            json.endObject()
        }
        if frame.hasICMP, let icmp = frame.icmp {
            if icmp.isV6 { json.key("icmpv6") } else { json.key("icmp") }
            json.objectValue()
            json.field("type", icmp.type)
            json.field("code", icmp.code)
            if let quoted = icmp.quoted {
                json.key("quoted"); json.objectValue()
                json.field("src", quoted.sourceIP.description)
                json.field("dst", quoted.destinationIP.description)
                json.field("proto", quoted.ipProtocol)
                if let port = quoted.sourcePort { json.field("srcport", port) }
                if let port = quoted.destinationPort { json.field("dstport", port) }
                json.endObject()
            }
            json.endObject()
        }
        if let tcp = frame.tcp {
            json.key("tcp"); json.objectValue()
            json.field("srcport", tcp.sourcePort)
            json.field("dstport", tcp.destinationPort)
            json.field("seq", annotation.relativeSequence ?? tcp.sequenceNumber)
            json.field("ack", tcp.flags.contains(.ack) ? (annotation.relativeAcknowledgement ?? tcp.acknowledgementNumber) : 0)
            json.field("seq_raw", tcp.sequenceNumber)
            json.field("ack_raw", tcp.acknowledgementNumber)
            json.key("flags"); json.arrayValue()
            for (flag, name) in tcpFlagNames where tcp.flags.rawValue & flag.rawValue != 0 { json.string(literal: name) }
            json.endArray()
            json.field("window", tcp.window)
            json.field("len", frame.payloadLength + frame.payloadMissing)
            if let mss = tcp.options.mss { json.field("mss", mss) }
            json.key("analysis"); json.arrayValue()
            if annotation.analysis.rawValue != 0 {
                for (flag, name) in analysisNames where annotation.analysis.rawValue & flag.rawValue != 0 {
                    json.string(literal: name)
                }
            }
            json.endArray()
            if let number = annotation.duplicateAckNumber { json.field("dup_ack_num", number) }
            if let state = annotation.clientState { json.field("client_state", literal: state.name) }
            if let state = annotation.serverState { json.field("server_state", literal: state.name) }
            if let checksum = frame.transportChecksum { json.field("checksum", literal: checksum.name) }
            json.endObject()
        }
        if let udp = frame.udp {
            json.key("udp"); json.objectValue()
            json.field("srcport", udp.sourcePort)
            json.field("dstport", udp.destinationPort)
            json.field("len", frame.payloadLength + frame.payloadMissing)
            if let checksum = frame.transportChecksum { json.field("checksum", literal: checksum.name) }
            json.endObject()
        }
        if frame.hasDNS, let dns = frame.dns { writeDNS(dns, into: &json) }
        if frame.hasDHCP, let dhcp = frame.dhcp { writeDHCP(dhcp, into: &json) }
        // The exchange is read where it lies: `last`, or a subscript passed as an argument, copied it (a dozen
        // Strings and optionals, each counted) through a generic call.
        if let last = annotation.http.indices.last {
            writeHTTP(annotation.http, at: last, frameNumber: frameNumber, into: &json)
        }
        if frame.hasStopped, let error = frame.stoppedAt {
            json.key("error"); json.objectValue()
            json.field("layer", error.layer.rawValue)
            json.field("offset", error.offset)
            json.field("reason", error.summary)
            json.field("snaplen", error.isSnaplenTruncation)
            json.endObject()
        }
    }

    // States, flags and checksum statuses are written by their literal names (`name`, `literalNames`, kept by the
    // modules that define them): no String built, no escaping pass. Each flag is one bit: the loops above test the
    // bit instead of calling the generic `contains`.

    /// `TCPFlags.literalNames`, held in this module: reading another module's stored static costs a call and a
    /// retain of the array on every frame.
    static let tcpFlagNames = TCPFlags.literalNames
    /// `TCPAnalysisFlags.literalNames`, held in this module (as `tcpFlagNames`).
    static let analysisNames = TCPAnalysisFlags.literalNames

    static func writeDNS(_ dns: DNSMessage, into json: inout UniqueJSONWriter) {
        json.key("dns"); json.objectValue()
        json.field("id", dns.id)
        json.field("response", dns.isResponse)
        if let question = dns.questions.first {
            json.field("name", question.name)
            json.field("type", DNSMessage.typeName(question.type))
        } else {
            json.fieldNull("name")
            json.fieldNull("type")
        }
        if dns.isResponse { json.field("rcode", DNSMessage.rcodeName(dns.rcode)) } else { json.fieldNull("rcode") }
        json.key("answers"); json.arrayValue()
        for answer in dns.answers { json.string(answer.data) }
        json.endArray()
        json.endObject()
    }

    static func writeDHCP(_ dhcp: DHCPMessage, into json: inout UniqueJSONWriter) {
        json.key("dhcp"); json.objectValue()
        if let type = dhcp.messageType { json.field("type", DHCPMessage.messageTypeName(type)) } else { json.fieldNull("type") }
        json.field("xid", dhcp.transactionID)
        json.field("client_mac", dhcp.clientMAC.description)
        json.field("your_ip", dhcp.yourIP.description)
        if let hostname = dhcp.hostname { json.field("hostname", hostname) }
        if let requested = dhcp.requestedIP { json.field("requested_ip", requested.description) }
        if let server = dhcp.serverIdentifier { json.field("server_id", server.description) }
        if !dhcp.parameterRequestList.isEmpty {
            json.key("request_list"); json.arrayValue()
            for code in dhcp.parameterRequestList { json.int(code) }
            json.endArray()
        }
        json.endObject()
    }

    /// `http` {`request`: {…}} or {`response`: {…}} on the frame that completes that message's headers.
    static func writeHTTP(_ exchanges: [HTTPTransaction], at index: Int, frameNumber: Int?,
                          into json: inout UniqueJSONWriter) {
        json.key("http"); json.objectValue()
        if let frameNumber, exchanges[index].responseFrame == frameNumber {
            json.key("response"); json.objectValue()
            if let status = exchanges[index].status { json.field("status", status) } else { json.fieldNull("status") }
            json.field("reason", exchanges[index].reason ?? "")
            json.field("version", exchanges[index].responseVersion ?? exchanges[index].version ?? "")
            json.endObject()
        } else {
            json.key("request"); json.objectValue()
            json.field("method", exchanges[index].method ?? "")
            json.field("uri", exchanges[index].uri ?? "")
            json.field("version", exchanges[index].version ?? "")
            if let host = exchanges[index].host { json.field("host", host) } else { json.fieldNull("host") }
            json.endObject()
        }
        json.endObject()
    }
}
