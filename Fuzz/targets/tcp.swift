// Target (e): TCP reassembly and analysis. A `SessionTracker` (with small, input-chosen caps) is fed synthetic
// IPv4/TCP segments described by the input, then the sessions are rendered as `sessions` renders them.
//
// Input: a 12-byte prologue (caps, ports, both initial sequence numbers), then 8 bytes per segment:
//   0: TCP flags   1: bit 0 direction, bits 1-2 flow, bit 3 bad checksum, bit 4 different bytes on overlap,
//                     bits 5-7 time step (1 µs … 400 s, past the idle timeout)
//   2-3: sequence delta from the sender's next byte (signed)   4-5: acknowledgement delta (signed)
//   6: payload length (≥ 0xf0: (n & 0x0f) × 700 bytes)   7: window (0 = zero window; 0xff = with a SYN option)
// Payload bytes come from an HTTP exchange indexed by stream offset, so retransmissions carry the same bytes.
//
// Properties besides "no trap": stream chunks arrive strictly in order without overlap per session and
// direction; buffered bytes stay within the total cap; live sessions stay within maxFlows; JSON is valid.
import Capture
import Render
import Sessions
import Wire

let requestScript = Array("""
GET /index.html HTTP/1.1\r\nHost: board.local\r\nUser-Agent: fuzz\r\n\r\nPOST /upload HTTP/1.1\r\nHost: x\r\n\
Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHEAD / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc
""".utf8)
let responseScript = Array("""
HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
4;ext=1\r\nwiki\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.0 200 OK\r\n\r\nbody
""".utf8)
let dnsQuery: [UInt8] = [0, 29, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5] + Array("board".utf8) + [5] + Array("local".utf8)
    + [0, 0, 1, 0, 1]

final class StreamChecker {
    var next: [Int: Int64] = [:]
    var ended: Set<Int> = []
    func check(_ session: Int, _ direction: Direction, _ chunk: StreamChunk) {
        let key = session * 2 + Int(direction.rawValue)
        let expected = next[key] ?? 0
        if ended.contains(key) { fuzzFailure("session \(session) direction \(direction): chunk after the end") }
        switch chunk {
        case .data(let bytes, let offset, _):
            if offset != expected, next[key] != nil { fuzzFailure("data at \(offset), expected \(expected)") }
            if bytes.isEmpty { fuzzFailure("empty data chunk at \(offset)") }
            next[key] = offset + Int64(bytes.count)
        case .gap(let length, let offset, _):
            if offset != expected, next[key] != nil { fuzzFailure("gap at \(offset), expected \(expected)") }
            if length <= 0 { fuzzFailure("gap of \(length) bytes at \(offset)") }
            next[key] = offset + length
        case .end(let offset, _, _):
            if offset != expected, next[key] != nil { fuzzFailure("end at \(offset), expected \(expected)") }
            ended.insert(key)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let caps = input.u8()
    var options = SessionOptions()
    if caps & 0x01 != 0 { options.maxFlows = 1 + Int(caps >> 1 & 3) }
    if caps & 0x08 != 0 { options.maxReassemblyBytesPerFlow = 64 << Int(caps >> 4 & 3) }
    if caps & 0x40 != 0 { options.maxReassemblyBytesTotal = 1000 }
    if caps & 0x80 != 0 { options.maxOutOfOrderSegmentsPerFlow = 2; options.overlapCheckBytes = 16 }
    let portChoice = input.u8()
    let serverPort: UInt16 = [80, 53, 8080, 443][Int(portChoice & 3)]
    let basePort = 40000 + UInt16(portChoice >> 2)
    let isn = [input.u32(), input.u32()]  // client, server
    _ = input.u16()

    let tracker = SessionTracker(options: options)
    let checker = StreamChecker()
    tracker.onStreamData = { checker.check($0, $1, $2) }
    var ended: [SessionSummary] = []
    tracker.onSessionEnd = { ended.append($0) }
    // Next sequence number per flow and direction, as the sender sees it.
    var nextSeq: [[UInt32]] = Array(repeating: isn, count: 4)
    var time: Int64 = 1_700_000_000_000_000_000
    var number = 0
    var json = JSONWriter()
    let client: UInt32 = 0x0a00_0002, server: UInt32 = 0x0a00_0001

    while input.remaining >= 8, number < 3000 {
        number += 1
        let flags = input.u8()
        let control = input.u8()
        let seqDelta = Int16(bitPattern: input.u16())
        let ackDelta = Int16(bitPattern: input.u16())
        let lengthByte = input.u8()
        let windowByte = input.u8()
        let fromServer = control & 1 != 0
        let flow = Int(control >> 1 & 3)
        let steps: [Int64] = [1_000, 1_000_000, 50_000_000, 1_000_000_000, 0, 10, 61_000_000_000, 400_000_000_000]
        time += steps[Int(control >> 5)]
        let side = fromServer ? 1 : 0
        let seq = nextSeq[flow][side] &+ UInt32(bitPattern: Int32(seqDelta))
        let ack = nextSeq[flow][1 - side] &+ UInt32(bitPattern: Int32(ackDelta))
        let length = lengthByte >= 0xf0 ? Int(lengthByte & 0x0f) * 700 : Int(lengthByte)
        let script: [UInt8]
        if serverPort == 53 { script = dnsQuery } else { script = fromServer ? responseScript : requestScript }
        let streamOffset = Int(seq &- isn[side] &- 1)
        var payload: [UInt8] = []
        payload.reserveCapacity(length)
        for k in 0..<length {
            let byte = script[(streamOffset &+ k) & Int.max % script.count]
            payload.append(control & 0x10 != 0 ? byte ^ 0x20 : byte)
        }
        var tcpOptions: [UInt8] = []
        if windowByte == 0xff { tcpOptions = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10] + be32(UInt32(number)) + [0, 0, 0, 0] }
        let clientPort = basePort &+ UInt16(flow)
        let packet = tcpPacket(
            source: fromServer ? server : client, destination: fromServer ? client : server,
            sourcePort: fromServer ? serverPort : clientPort, destinationPort: fromServer ? clientPort : serverPort,
            seq: seq, ack: ack, flags: flags, window: UInt16(windowByte) << 4, options: tcpOptions, payload: payload,
            id: UInt16(truncatingIfNeeded: number), badChecksum: control & 0x08 != 0)
        let decoded = FrameDecoder.decode(packet, linkType: FrameDecoder.LinkType.ipv4)
        let annotation = tracker.process(decoded, bytes: packet, number: number, timeNanoseconds: time)
        // The sender moves on past what it sent (SYN and FIN take one number each).
        let advance = UInt32(length) &+ (flags & 0x02 != 0 ? 1 : 0) &+ (flags & 0x01 != 0 ? 1 : 0)
        if seqDelta >= 0 { nextSeq[flow][side] = seq &+ advance }

        json.reset()
        let frame = Frame(number: number, seconds: time / 1_000_000_000, nanoseconds: UInt32(truncatingIfNeeded: time % 1_000_000_000),
                          originalLength: packet.count, linkType: FrameDecoder.LinkType.ipv4, bytes: packet)
        FrameJSON.writeFrame(frame, decoded, annotation, into: &json)
        json.endObject()
        if number % 16 == 1 { requireValidJSON(json.bytes, "read --format json line") }
        _ = FrameSummary.info(decoded, annotation, frameNumber: number, bytes: packet)

        if tracker.liveSessionCount > options.maxFlows {
            fuzzFailure("\(tracker.liveSessionCount) live sessions with maxFlows \(options.maxFlows)")
        }
        if tracker.bufferedBytes > options.maxReassemblyBytesTotal || tracker.bufferedBytes < 0 {
            fuzzFailure("\(tracker.bufferedBytes) bytes buffered with a total cap of \(options.maxReassemblyBytesTotal)")
        }
    }
    _ = tracker.finish()
    if tracker.bufferedBytes != 0 { fuzzFailure("\(tracker.bufferedBytes) bytes still buffered after finish") }
    for session in ended {
        json.reset()
        SessionReport.writeJSON(session, into: &json)
        requireValidJSON(json.bytes, "sessions --format json line")
        _ = SessionReport.text(session, palette: Palette(enabled: false))
    }
    return 0
}
