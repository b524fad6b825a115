import Sessions
import Wire

/// `sessions` output: one JSON object per session and line (fixed names: add, never rename), or one text block.
public enum SessionReport {
    /// Writes one session as a complete JSON object.
    public static func writeJSON(_ session: SessionSummary, into json: inout JSONWriter,
                                 extra: (inout JSONWriter) -> Void = { _ in }) {
        json.withUnique { writeMembers(session, into: &$0) }
        extra(&json)
        json.endObject()
    }

    /// The object's opening brace and every member but the caller's `extra` ones.
    static func writeMembers(_ session: SessionSummary, into json: inout UniqueJSONWriter) {
        json.beginObject()
        json.field("id", session.id)
        json.field("proto", session.proto.name)
        writeEndpoint("client", session.client, into: &json)
        writeEndpoint("server", session.server, into: &json)
        json.field("client_guessed", session.clientGuessed)
        json.field("state", session.state.rawValue)
        json.field("history", session.history)
        json.key("start"); json.timestamp(nanoseconds: session.startNanoseconds)
        json.key("end"); json.timestamp(nanoseconds: session.endNanoseconds)
        json.key("duration"); json.double(session.duration)
        json.field("first_frame", session.firstFrame)
        json.field("last_frame", session.lastFrame)
        writeCounts("packets", session.packets, into: &json)
        writeCounts("bytes", session.bytes, into: &json)
        json.field("missed_bytes", session.missedBytes)
        json.key("handshake_rtt")
        if let rtt = session.handshakeRTT { json.double(rtt) } else { json.null() }
        if session.proto == .tcp {
            if let state = session.clientState { json.field("client_tcp_state", literal: state.name) }
            if let state = session.serverState { json.field("server_tcp_state", literal: state.name) }
            json.key("analysis"); json.arrayValue()
            for (flag, name) in FrameJSON.analysisNames where session.analysisSeen.rawValue & flag.rawValue != 0 {
                json.string(literal: name)
            }
            json.endArray()
            writeCounts("retransmissions", session.retransmissions, into: &json)
            writeCounts("zero_window_frames", session.zeroWindowFrames, into: &json)
        }
        json.key("http"); json.arrayValue()
        for exchange in session.http {
            json.objectValue()
            optionalString("method", exchange.method, into: &json)
            optionalString("uri", exchange.uri, into: &json)
            optionalString("version", exchange.version, into: &json)
            optionalString("host", exchange.host, into: &json)
            if let status = exchange.status { json.field("status", status) } else { json.fieldNull("status") }
            optionalString("reason", exchange.reason, into: &json)
            optionalInt("request_frame", exchange.requestFrame, into: &json)
            optionalInt("response_frame", exchange.responseFrame, into: &json)
            if let length = exchange.bodyLength { json.field("body_length", length) } else { json.fieldNull("body_length") }
            optionalString("body_sha256", exchange.bodySHA256, into: &json)
            json.field("chunked", exchange.chunked)
            json.field("bare_lf", exchange.bareLF)
            json.field("malformed", exchange.malformed)
            json.field("unfinished", exchange.unfinished)
            json.endObject()
        }
        json.endArray()
        json.key("dns"); json.arrayValue()
        for query in session.dns {
            json.objectValue()
            json.field("id", query.id)
            json.field("name", query.name)
            json.field("type", query.typeName)
            optionalString("rcode", query.rcodeName, into: &json)
            json.key("answers"); json.arrayValue()
            for answer in query.answers { json.string(answer) }
            json.endArray()
            optionalInt("query_frame", query.queryFrame, into: &json)
            optionalInt("response_frame", query.responseFrame, into: &json)
            json.key("latency")
            if let latency = query.latencyNanoseconds { json.double(Double(latency) / 1e9) } else { json.null() }
            json.endObject()
        }
        json.endArray()
        if let lookup = session.dnsLookup {
            json.key("dns_lookup"); json.objectValue()
            json.field("name", lookup.name)
            optionalInt("query_frame", lookup.queryFrame, into: &json)
            optionalInt("response_frame", lookup.responseFrame, into: &json)
            json.field("session", lookup.dnsSession)
            json.endObject()
        }
        json.key("anomalies"); json.arrayValue()
        for anomaly in session.anomalies { json.string(anomaly) }
        json.endArray()
        json.field("end_reason", session.endReason.rawValue)
    }

    /// A text block: endpoints, state and history, duration, counts, DNS and HTTP transactions, anomalies.
    public static func text(_ session: SessionSummary, palette: Palette) -> String {
        var out = palette.paint("Session \(session.id)", "1") + "  " + session.proto.name.uppercased() + "  "
        out += "\(session.client) → \(session.server)"
        if session.clientGuessed { out += "  (client guessed: no SYN seen)" }
        out += "\n"
        out += "  frames \(session.firstFrame)–\(session.lastFrame), \(String(format3: session.duration)) s"
        out += "; state \(session.state.rawValue) (\(stateMeaning(session.state)))"
        if !session.history.isEmpty { out += ", history \(session.history)" }
        out += "\n"
        out += "  client sent \(session.packets.client) frames / \(session.bytes.client) bytes; "
        out += "server sent \(session.packets.server) frames / \(session.bytes.server) bytes"
        if session.missedBytes > 0 { out += "; \(session.missedBytes) bytes never captured" }
        if let rtt = session.handshakeRTT { out += "; handshake \(String(format3: rtt * 1000)) ms" }
        out += "\n"
        if let lookup = session.dnsLookup {
            out += "  address from the DNS lookup of \(TerminalText.escape(lookup.name))"
            if let frame = lookup.responseFrame { out += " (frame \(frame))" }
            out += "\n"
        }
        for query in session.dns {
            out += "  DNS \(query.typeName) \(TerminalText.escape(query.name)) → "
            if let rcode = query.rcodeName {
                out += rcode
                if !query.answers.isEmpty { out += " " + query.answers.map { TerminalText.escape($0) }.joined(separator: ", ") }
            } else {
                out += "no answer"
            }
            if let latency = query.latencyNanoseconds { out += " in \(String(format3: Double(latency) / 1e6)) ms" }
            out += "\n"
        }
        for exchange in session.http {
            out += "  HTTP " + TerminalText.escape(exchange.method ?? "?") + " " + TerminalText.escape(exchange.uri ?? "?")
            out += " " + TerminalText.escape(exchange.version ?? "")
            if let status = exchange.status {
                out += " → \(status) " + TerminalText.escape(exchange.reason ?? "")
            } else {
                out += " → no response"
            }
            if let length = exchange.bodyLength { out += ", body \(length) bytes" + (exchange.chunked ? " (chunked)" : "") }
            if exchange.bareLF { out += ", bare LF line endings" }
            if exchange.malformed { out += ", malformed" }
            if exchange.unfinished { out += ", unfinished" }
            out += "\n"
        }
        let labels = TCPAnalysisFlags.names.filter { session.analysisSeen.contains($0.0) }.map { $0.1 }
        if !labels.isEmpty { out += "  TCP analysis: " + labels.joined(separator: ", ") + "\n" }
        if !session.anomalies.isEmpty { out += "  anomalies: " + session.anomalies.joined(separator: ", ") + "\n" }
        return out
    }

    /// Zeek's definitions, shortened.
    public static func stateMeaning(_ state: ZeekConnState) -> String {
        switch state.rawValue {
        case "S0": return "connection attempt, no reply"
        case "S1": return "established, not closed"
        case "SF": return "normal open and close"
        case "REJ": return "connection attempt rejected"
        case "S2": return "established, only the client tried to close"
        case "S3": return "established, only the server tried to close"
        case "RSTO": return "established, the client reset it"
        case "RSTR": return "established, the server reset it"
        case "RSTOS0": return "the client sent a SYN then a reset, no SYN-ACK seen"
        case "RSTRH": return "the server sent a SYN-ACK then a reset, no client SYN seen"
        case "SH": return "the client sent a SYN then a FIN, no SYN-ACK seen"
        case "SHR": return "the server sent a SYN-ACK then a FIN, no client SYN seen"
        default: return "midstream traffic, no SYN seen"
        }
    }

    static func writeEndpoint(_ name: StaticString, _ endpoint: Endpoint, into json: inout UniqueJSONWriter) {
        json.key(name); json.objectValue()
        json.key("ip"); json.ip(endpoint.ip)
        json.field("port", endpoint.port)
        json.endObject()
    }

    static func writeCounts(_ name: StaticString, _ counts: DirectionCounts, into json: inout UniqueJSONWriter) {
        json.key(name); json.objectValue()
        json.field("client", counts.client)
        json.field("server", counts.server)
        json.endObject()
    }

    static func optionalString(_ name: StaticString, _ value: String?, into json: inout UniqueJSONWriter) {
        if let value { json.field(name, value) } else { json.fieldNull(name) }
    }

    static func optionalInt(_ name: StaticString, _ value: Int?, into json: inout UniqueJSONWriter) {
        if let value { json.field(name, value) } else { json.fieldNull(name) }
    }

    /// Epoch seconds with nine decimals.
    public static func epoch(_ nanoseconds: Int64) -> String {
        // Sign first, then the magnitude: a negative time (before 1970) must still be one JSON number.
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        let fraction = String(magnitude % 1_000_000_000)
        return sign + String(magnitude / 1_000_000_000) + "."
            + String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
    }
}

extension String {
    /// A number with three decimals, without Foundation (`TextLine.append(format3:)`, the one formatter).
    public init(format3 value: Double) {
        var line = TextLine(palette: Palette(enabled: false))
        line.append(format3: value)
        self = String(decoding: line.bytes, as: UTF8.self)
    }
}
