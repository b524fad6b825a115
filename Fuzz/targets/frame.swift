// Target (a): one whole frame of any link type, decoded on the fast path and with field recording, then
// rendered the ways `read` and `explain` render it.
//
// Input: byte 0 chooses the link type (low 4 bits), whether the frame is "outgoing" (bit 4), colour (bit 5);
// the rest is the frame. Properties checked besides "no trap": the recorded fields tile the frame exactly
// (every byte in one field, Explain depends on it), fast and recording paths agree, and every JSON is valid.
import Capture
import Render
import Sessions
import Wire

let linkTypes: [UInt32] = [
    FrameDecoder.LinkType.ethernet, FrameDecoder.LinkType.linuxSLL, FrameDecoder.LinkType.linuxSLL2,
    FrameDecoder.LinkType.null, FrameDecoder.LinkType.loop, FrameDecoder.LinkType.rawIP,
    FrameDecoder.LinkType.ipv4, FrameDecoder.LinkType.ipv6, FrameDecoder.LinkType.radiotap,
    FrameDecoder.LinkType.ieee80211, FrameDecoder.LinkType.rawOpenBSD, 147 /* unknown: raw payload */,
]

/// Every captured byte in exactly one innermost byte field; groups covered by their children.
func tilingProblem(_ fields: [Field], count: Int) -> String? {
    var next = 0
    for leaf in fields.flatMap({ $0.innermostByteFields }) {
        if leaf.offset != next { return "\(leaf.name) at \(leaf.offset)+\(leaf.length), expected offset \(next)" }
        if leaf.length <= 0 { return "\(leaf.name) at \(leaf.offset) has length \(leaf.length)" }
        next = leaf.offset + leaf.length
    }
    if next != count { return "fields end at \(next), frame has \(count) bytes" }
    return groupProblem(fields)
}

func groupProblem(_ fields: [Field]) -> String? {
    for field in fields {
        let bytes = field.children.filter { $0.mask == nil }
        for bit in field.children where bit.mask != nil {
            if bit.offset != field.offset || bit.length != field.length { return "bit field \(bit.name) not on \(field.name)" }
        }
        if let first = bytes.first, let last = bytes.last,
           first.offset != field.offset || last.offset + last.length != field.offset + field.length {
            return "group \(field.name) \(field.offset)+\(field.length) not covered by its children"
        }
        if let p = groupProblem(bytes) { return p }
    }
    return nil
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let linkType = linkTypes[Int(selector & 0x0f) % linkTypes.count]
    let outgoing: Bool? = selector & 0x10 != 0 ? true : nil
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    // Fast path, as `read` and `sessions` use it.
    let fast = FrameDecoder.decode(bytes, linkType: linkType, outgoing: outgoing)
    let tracker = SessionTracker()
    let annotation = tracker.process(fast, bytes: bytes, number: 1, timeNanoseconds: 1_000_000_000,
                                     originalLength: bytes.count + Int(selector >> 6))
    let frame = Frame(number: 1, seconds: 1, nanoseconds: 0, originalLength: bytes.count + Int(selector >> 6),
                      linkType: linkType, bytes: bytes)
    var json = JSONWriter()
    FrameJSON.writeFrame(frame, fast, annotation, into: &json)
    json.endObject()
    requireValidJSON(json.bytes, "read --format json line")
    let endpoints = FrameSummary.endpoints(fast)
    _ = FrameSummary.protocolName(fast, annotation)
    let info = FrameSummary.info(fast, annotation, frameNumber: 1, bytes: bytes)
    // `read` text writes most TCP frames' summary and the endpoints as bytes: they must print what the Strings print.
    var line = TextLine(palette: Palette(enabled: false))
    if FrameText.appendTCPInfo(fast, annotation, frameNumber: 1, bytes: bytes, into: &line) {
        if line.bytes != Array(TerminalText.escape(info).utf8) { fuzzFailure("TCP info bytes differ from the String summary") }
    }
    var room = [UInt8](repeating: 0, count: FrameSummary.endpointsCapacity)
    if let count = room.withUnsafeMutableBufferPointer({ FrameSummary.writeIPv4Endpoints(fast, into: $0) }),
       String(decoding: room[..<count], as: UTF8.self) != TerminalText.escape(endpoints) {
        fuzzFailure("endpoint bytes differ from the String endpoints")
    }
    for session in tracker.finish() {
        var sessionJSON = JSONWriter()
        SessionReport.writeJSON(session, into: &sessionJSON)
        requireValidJSON(sessionJSON.bytes, "sessions --format json line")
        _ = SessionReport.text(session, palette: Palette(enabled: selector & 0x20 != 0))
    }

    // Recording path, as `explain` uses it.
    var recorded = FrameDecoder.decode(bytes, linkType: linkType, recordFields: true, outgoing: outgoing)
    if let problem = tilingProblem(recorded.fields, count: bytes.count) {
        fuzzFailure("link type \(linkType): \(problem)")
    }
    if recorded.stoppedAt != fast.stoppedAt || recorded.sourceIP != fast.sourceIP || recorded.tcp != fast.tcp
        || recorded.udp != fast.udp || recorded.transportChecksum != fast.transportChecksum
        || recorded.ipChecksum != fast.ipChecksum || recorded.payloadOffset != fast.payloadOffset
        || recorded.payloadLength != fast.payloadLength {
        fuzzFailure("link type \(linkType): fast path and recording path disagree "
            + "(\(String(describing: fast.stoppedAt)) vs \(String(describing: recorded.stoppedAt)))")
    }
    // The HTTP head the fast path only noted, read when asked for, is the one the recording path decoded.
    if fast.hasHTTP != recorded.hasHTTP || fast.httpHead(in: bytes) != recorded.http {
        fuzzFailure("link type \(linkType): an HTTP head read when asked for differs from the decoded one")
    }
    ExplainContext.addSessionMeanings(to: &recorded.fields, annotation)
    _ = ExplainRenderer.text(frame: recorded, bytes: bytes, frameNumber: 1, originalLength: bytes.count,
                             color: selector & 0x20 != 0)
    let explained = ExplainRenderer.json(frame: recorded, bytes: bytes, frameNumber: 1, originalLength: bytes.count)
    requireValidJSON(Array(explained.utf8), "explain --format json")
    return 0
}
