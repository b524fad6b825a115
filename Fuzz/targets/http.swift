// Target (d): the resumable HTTP/1.x stream parser (`HTTPParser`) and the one-payload head decoder
// (`HTTPHead.decode`).
//
// Input: byte 0 bit 0 = role (requests/responses), bits 1-2 = methods the response side is told to expect
// (GET, HEAD, or HEAD then GET), bit 3 = record fields in HTTPHead.decode; byte 1 low 4 bits = number of split
// points, each a 16-bit position; the rest is the stream.
//
// Properties besides "no trap": feeding the stream whole or split at the chosen points gives the same events
// once adjacent body events are merged (the parser's contract); feeding it with gaps between the pieces never
// traps; the head decoder's fields stay inside the payload.
import Wire

func run(_ role: HTTPParser.Role, _ methods: [String], pieces: [ArraySlice<UInt8>], gaps: [Int]?) -> [HTTPParserEvent] {
    var parser = HTTPParser(role: role)
    for method in methods { parser.expectResponse(toMethod: method) }
    var events: [HTTPParserEvent] = []
    for (index, piece) in pieces.enumerated() {
        events += parser.feed(piece)
        if let gaps, index < gaps.count, gaps[index] > 0 { events += parser.feedGap(count: gaps[index]) }
    }
    events += parser.finish()
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let selector = input.u8()
    let role: HTTPParser.Role = selector & 1 == 0 ? .requests : .responses
    let methods: [[String]] = [[], ["GET"], ["HEAD"], ["HEAD", "GET", "CONNECT"]]
    let expected = role == .responses ? methods[Int(selector >> 1) & 3] : []
    let splitCount = Int(input.u8() & 0x0f)
    var splits: [Int] = []
    var gaps: [Int] = []
    for _ in 0..<splitCount {
        splits.append(Int(input.u16()))
        let g = input.u8()
        gaps.append(g < 0x80 ? 0 : Int(g & 0x7f) * (g & 0x40 != 0 ? 1000 : 1))
    }
    let stream = input.rest()
    let points = Set(splits.map { stream.isEmpty ? 0 : $0 % (stream.count + 1) }).sorted()
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    for point in points where point > start {
        pieces.append(stream[start..<point])
        start = point
    }
    pieces.append(stream[start...])

    let whole = HTTPParser.coalesced(run(role, expected, pieces: [stream[...]], gaps: nil))
    let split = HTTPParser.coalesced(run(role, expected, pieces: pieces, gaps: nil))
    if whole != split {
        fuzzFailure("split at \(points) changed the events:\nwhole: \(whole.prefix(6))\nsplit: \(split.prefix(6))")
    }
    // One byte at a time, for short streams (the extreme split).
    if stream.count <= 256 {
        let bytewise = HTTPParser.coalesced(run(role, expected, pieces: stream.indices.map { stream[$0..<($0 + 1)] },
                                                gaps: nil))
        if whole != bytewise { fuzzFailure("byte-at-a-time feeding changed the events") }
    }
    _ = run(role, expected, pieces: pieces, gaps: gaps)

    let recorder: FieldRecorder? = selector & 8 != 0 ? FieldRecorder() : nil
    var reader = FrameReader(bytes: stream, recorder: recorder)
    if let head = HTTPHead.decode(&reader) {
        _ = head.header("host")
        _ = head.header("content-length")
        if head.headLength < 0 || head.headLength > stream.count { fuzzFailure("headLength \(head.headLength)") }
    }
    if let recorder {
        for field in recorder.fields where field.offset < 0 || field.length < 0 || field.offset + field.length > stream.count {
            fuzzFailure("field \(field.name) at \(field.offset)+\(field.length) outside \(stream.count) bytes")
        }
    }
    return 0
}
