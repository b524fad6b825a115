import Capture
import Lessons
import Sessions
import Wire

/// One frame's line of `read`'s text output:
/// "   12 0.004211   board → 10.42.0.1 TCP [SYN] seq=0 win=5840 len=0 MSS=536  [2 connect] s.connect(addr)".
/// Written here, next to the `TextLine` it fills, so that each of the line's pieces is an inlined append.
public enum FrameText {
    /// Appends the line of `frame` to `line`: its number, its time since `start` (nanoseconds), its session number
    /// when `showingSession`, the endpoints (or "board →/←"), the protocol, the summary and the tutorial step.
    public static func write(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation,
                             _ lesson: FrameLesson?, since start: Int64, showingSession: Bool,
                             into line: inout TextLine) {
        writeHead(frame, decoded, annotation, lesson, since: start, showingSession: showingSession, into: &line)
        writeMiddle(frame, decoded, annotation, into: &line)
        writeStep(lesson, into: &line)
    }

    /// The line up to the endpoints: "   12 0.004211   board → 10.42.0.1".
    public static func writeHead(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation,
                                 _ lesson: FrameLesson?, since start: Int64, showingSession: Bool,
                                 into line: inout TextLine) {
        line.append(frame.number, rightAlignedIn: 6)
        line.append(" ")
        line.append(relativeTime: frame.timeNanoseconds &- start, leftAlignedIn: 10)
        if showingSession, let session = annotation.session {
            line.append(" #")
            line.append(session)
        }
        line.append(" ")
        appendDirection(decoded, lesson, to: &line)
    }

    /// The middle of the line, " TCP [SYN] seq=0 win=5840 len=0 MSS=536": what depends on the frame and its own
    /// session alone (not on the lessons, the board or the session's final number), so a worker of
    /// `read --threads N` writes it and the merger only the head and the step.
    public static func writeMiddle(_ frame: Frame, _ decoded: DecodedFrame, _ annotation: FrameAnnotation,
                                   into line: inout TextLine) {
        line.append(" ")
        line.painted("1") { line in
            if let name = FrameSummary.knownProtocolName(decoded, annotation) {
                line.append(name)
            } else {
                line.append(text: FrameSummary.protocolName(decoded, annotation))
            }
        }
        line.append(" ")
        if !appendTCPInfo(decoded, annotation, frameNumber: frame.number, bytes: frame.bytes, into: &line) {
            line.appendEscaped(FrameSummary.info(decoded, annotation, frameNumber: frame.number, bytes: frame.bytes))
        }
        if frame.originalLength != frame.capturedLength {
            line.append(" (")
            line.append(frame.capturedLength)
            line.append(" of ")
            line.append(frame.originalLength)
            line.append(" bytes captured)")
        }
    }

    /// The tutorial step at the end of the line: "  [2 connect] s.connect(addr)".
    public static func writeStep(_ lesson: FrameLesson?, into line: inout TextLine) {
        guard let step = lesson?.step else { return }
        line.append("  ")
        line.painted(stepColour(step.id)) { line in
            line.append("[")
            if let number = step.number {
                line.append(number)
                line.append(" ")
            }
            line.append(text: step.id.rawValue)  // one of our step names: nothing to escape
            line.append("]")
            if let call = step.call {
                line.append(" ")
                line.appendEscaped(call)
            }
        }
    }

    /// `FrameSummary.info` of most TCP frames, escaped, written into the line without building it as a String: the
    /// TCP part as bytes (only numbers and our own names, nothing to escape), then the HTTP part, if any, escaped
    /// (text from the packet). Returns false, having written nothing, for a frame `info` says more of.
    @discardableResult
    public static func appendTCPInfo(_ decoded: DecodedFrame, _ annotation: FrameAnnotation, frameNumber: Int,
                                     bytes: [UInt8], into line: inout TextLine) -> Bool {
        guard let tcp = decoded.tcp, FrameSummary.infoIsTCPThenHTTP(decoded, annotation) else { return false }
        line.append(upTo: FrameSummary.tcpInfoCapacity) { FrameSummary.writeTCPInfo(tcp, annotation, decoded, into: $0) }
        if let labels = FrameSummary.tcpAnalysisLabels(annotation) { line.append(text: labels) }
        if let http = FrameSummary.httpPart(decoded, annotation, frameNumber: frameNumber, bytes: bytes) {
            line.append("  ")
            line.appendEscaped(http)
        }
        return true
    }

    /// `FrameSummary.endpoints`, escaped: IPv4 with ports, the usual frame, straight into the line (only digits:
    /// nothing to escape), anything else through the String.
    public static func appendEndpoints(_ decoded: DecodedFrame, to line: inout TextLine) {
        if !line.append(upTo: FrameSummary.endpointsCapacity, { FrameSummary.writeIPv4Endpoints(decoded, into: $0) }) {
            line.appendEscaped(FrameSummary.endpoints(decoded))
        }
    }

    /// "board → peer" arrows when the board is known, else the addresses.
    static func appendDirection(_ decoded: DecodedFrame, _ lesson: FrameLesson?, to line: inout TextLine) {
        guard let step = lesson?.step, step.boardKnown, decoded.sourceIP != nil || decoded.arp != nil else {
            appendEndpoints(decoded, to: &line)
            return
        }
        line.append(step.fromBoard ? "board → " : "board ← ")
        let toBoard = !step.fromBoard
        if case .v4(let address)? = toBoard ? decoded.sourceIP : decoded.destinationIP {
            line.append(upTo: IPAddress.dottedQuadMaximumLength) { IPAddress.writeDottedQuad(address, into: $0) }
        } else {
            line.append(text: peerName(decoded, toBoard: toBoard))
        }
    }

    static func peerName(_ decoded: DecodedFrame, toBoard: Bool) -> String {
        if let ip = toBoard ? decoded.sourceIP : decoded.destinationIP { return ip.description }
        if let arp = decoded.arp { return toBoard ? arp.senderIP.description : arp.targetIP.description }
        return "?"
    }

    /// The colour of a step's label.
    public static func stepColour(_ id: StepID) -> StaticString {
        switch id {
        case .connect, .accept, .bind, .listen, .create: return "36"
        case .send, .sendto: return "32"
        case .recv, .recvfrom: return "34"
        case .close: return "35"
        case .dnsLookup, .wifiJoin: return "33"
        case .other: return "2"
        }
    }
}
