import Foundation
import Testing
@testable import Wire

private func decodeHead(_ bytes: [UInt8], prefix: Int = 0) -> (HTTPHead?, [Field], Int, Int) {
    let recorder = FieldRecorder()
    var reader = FrameReader(bytes: [UInt8](repeating: 0x41, count: prefix) + bytes, recorder: recorder)
    _ = try? reader.skip(prefix, .payload)
    let head = HTTPHead.decode(&reader)
    recorder.closeAll(at: reader.offset)
    return (head, recorder.fields, reader.offset, reader.end)
}

@Suite struct HTTPHeadTests {
    static let fixtures = ["http/print_flags_request.txt", "http/print_flags_response.txt",
                           "http/weather_request.txt", "http/weather_response.txt"]

    /// Start-line parts and header lines must match tshark exactly; header values (which tshark spans over the
    /// whole line) must match by value inside that line; the body by position.
    @Test(arguments: fixtures)
    func matchesTshark(_ path: String) throws {
        let fixture = try AppLayerFixture.load(path)
        let (head, fields, end, _) = decodeHead(fixture.bytes)
        #expect(head != nil)
        #expect(end == fixture.bytes.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        let flat = AppLayerFixture.flatten(fields)
        var checked = 0
        for want in fixture.fields {
            let exact = want.name.hasPrefix("http.request.") || want.name.hasPrefix("http.response.")
            let found: Bool
            if exact {
                found = flat.contains { $0.name == want.name && $0.offset == want.offset && $0.length == want.length
                    && $0.value == want.value }
            } else if want.name == "http.file_data" {
                found = flat.contains { $0.name == want.name && $0.offset == want.offset && $0.length == want.length }
            } else {
                found = flat.contains { $0.name == want.name && $0.value == want.value
                    && $0.offset >= want.offset && $0.offset + $0.length <= want.offset + want.length }
            }
            #expect(found, "\(want)")
            checked += 1
        }
        #expect(checked >= 9)
    }

    @Test func requestValuesAndSplit() throws {
        let text = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nX-Thing:  a b \r\n\r\nbody"
        let (head, fields, end, _) = decodeHead(Array(text.utf8), prefix: 54)
        let decoded = try #require(head)
        #expect(decoded.isRequest && decoded.method == "GET" && decoded.uri == "/index.html")
        #expect(decoded.version == "HTTP/1.1" && decoded.isComplete && !decoded.bareLF)
        #expect(decoded.headers == [HTTPHeaderLine(name: "Host", value: "example.com"),
                                    HTTPHeaderLine(name: "X-Thing", value: "a b")])
        #expect(decoded.headLength == text.utf8.count - 4)
        #expect(end == 54 + text.utf8.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 54..<end) == nil)
        let leaves = fields.flatMap { $0.innermostByteFields }.map(\.name)
        #expect(leaves == ["http.request.method", "http.sp", "http.request.uri", "http.sp", "http.request.version",
                           "http.crlf",
                           "http.header.name", "http.header.colon", "http.sp", "http.host", "http.crlf",
                           "http.header.name", "http.header.colon", "http.sp", "http.unknown_header", "http.sp",
                           "http.crlf", "http.crlf", "http.file_data"])
        #expect(AppLayerFixture.flatten(fields).first { $0.name == "http.request.method" }?.meaning
            == "GET: the method — fetch the resource")
    }

    @Test func responseWithoutReasonAndBareLF() throws {
        let text = "HTTP/1.0 204\nServer: tiny\n\n"
        let (head, fields, end, _) = decodeHead(Array(text.utf8))
        let decoded = try #require(head)
        #expect(!decoded.isRequest && decoded.status == 204 && decoded.reason == "" && decoded.bareLF)
        #expect(end == text.utf8.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        #expect(AppLayerFixture.flatten(fields).contains { $0.name == "http.crlf" && $0.value == "\\n" })
    }

    @Test(arguments: ["", "G", "GET", "GET/ HTTP/1.1\r\n", "\u{16}\u{03}\u{01}", "SSH-2.0-OpenSSH\r\n", "HTTP/2 200\r\n",
                      "hello world\r\n", "FOO bar\r\n", "HTTP/1"])
    func notHTTPConsumesNothing(_ text: String) {
        let (head, fields, end, _) = decodeHead(Array(text.utf8), prefix: 3)
        #expect(head == nil)
        #expect(fields.isEmpty)
        #expect(end == 3)
    }

    @Test func unknownMethodNeedsAVersion() {
        #expect(decodeHead(Array("BREW /pot HTTP/1.1\r\n\r\n".utf8)).0?.method == "BREW")
        #expect(decodeHead(Array("BREW /pot".utf8)).0 == nil)
    }

    @Test func incompleteHeadRecordsPartialLine() throws {
        let text = "GET / HTTP/1.1\r\nHost: exa"
        let (head, fields, end, _) = decodeHead(Array(text.utf8))
        let decoded = try #require(head)
        #expect(!decoded.isComplete)
        #expect(end == text.utf8.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
    }

    @Test func malformedLinesAreKeptAndFlagged() throws {
        let text = "POST /x HTTP/1.1\r\nno colon here\r\n folded\r\nBad Name: v\r\n\r\n"
        let (head, fields, end, _) = decodeHead(Array(text.utf8))
        #expect(head?.headers.isEmpty == true)
        #expect(end == text.utf8.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        #expect(AppLayerFixture.flatten(fields).filter { $0.name == "http.bad_header_name" }.count == 3)
    }

    @Test func headerCountCap() throws {
        var text = "GET / HTTP/1.1\r\n"
        for index in 0..<150 { text += "X-\(index): v\r\n" }
        text += "\r\n"
        let (head, fields, end, _) = decodeHead(Array(text.utf8))
        #expect(head?.headers.count == HTTPSyntax.maxHeaderCount)
        #expect(head?.isComplete == false)
        #expect(end == text.utf8.count)
        #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil)
        #expect(AppLayerFixture.flatten(fields).last?.name == "http.unparsed")
    }

    @Test(arguments: fixtures)
    func everyTruncationTilesWithoutTrapping(_ path: String) throws {
        let bytes = try AppLayerFixture.load(path).bytes
        for length in 0..<min(bytes.count, 600) {
            let (head, fields, end, _) = decodeHead(Array(bytes[0..<length]))
            if head == nil {
                #expect(end == 0 && fields.isEmpty, "length \(length)")
            } else {
                #expect(end == length, "length \(length)")
                #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, "length \(length)")
            }
        }
    }

    @Test func randomBytesNeverTrapAndAlwaysTile() {
        var generator = SeededGenerator(seed: 0x4777)
        let alphabet = Array("GET HTTP/1.1 \r\n:abc 200\t".utf8)
        for round in 0..<3000 {
            let count = Int.random(in: 0..<120, using: &generator)
            var bytes = (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            if round % 2 == 0 { bytes = Array("GET / HTTP/1.1\r\n".utf8) + bytes }
            if round % 7 == 0 { bytes = bytes.map { $0 ^ UInt8.random(in: 0...255, using: &generator) } }
            let (head, fields, end, _) = decodeHead(bytes)
            if head != nil {
                #expect(end == bytes.count)
                #expect(AppLayerFixture.tilingProblem(fields, covering: 0..<end) == nil, "round \(round)")
            } else {
                #expect(fields.isEmpty && end == 0)
            }
        }
    }
}

// MARK: - HTTPParser

/// Both directions of a stream fixture (`Fixtures/http/make_stream.py`), as segments.
private func loadStream(_ name: String) throws -> (client: [[UInt8]], server: [[UInt8]]) {
    let text = try String(contentsOf: AppLayerFixture.directory.appendingPathComponent("http/\(name)"), encoding: .utf8)
    var client: [[UInt8]] = [], server: [[UInt8]] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let bytes = AppLayerFixture.fromHex(String(parts[1])) else { continue }
        if parts[0] == "client" { client.append(bytes) } else { server.append(bytes) }
    }
    return (client, server)
}

/// Feeds `chunks` and finishes; response parsers are told the methods first.
private func run(_ role: HTTPParser.Role, _ chunks: [[UInt8]], methods: [String] = []) -> [HTTPParserEvent] {
    var parser = HTTPParser(role: role)
    for method in methods { parser.expectResponse(toMethod: method) }
    var events: [HTTPParserEvent] = []
    for chunk in chunks { events += parser.feed(chunk) }
    events += parser.finish()
    return HTTPParser.coalesced(events)
}

private func splits(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var index = 0
    while index < bytes.count {
        let take = min(bytes.count - index, Int.random(in: 1...700, using: &generator))
        out.append(Array(bytes[index..<(index + take)]))
        index += take
    }
    return out
}

private func heads(_ events: [HTTPParserEvent]) -> [HTTPHead] {
    events.compactMap { if case .head(let head, _) = $0 { return head } else { return nil } }
}

private func ends(_ events: [HTTPParserEvent]) -> [HTTPMessageEnd] {
    events.compactMap { if case .complete(let end) = $0 { return end } else { return nil } }
}

private func malformed(_ events: [HTTPParserEvent]) -> [String] {
    events.compactMap { if case .malformed(let reason, _) = $0 { return reason } else { return nil } }
}

@Suite struct HTTPParserTests {
    static let streams = ["stream_chunk.txt", "stream_markofu.txt", "stream_pipelined.txt", "stream_continue100.txt",
                          "stream_http10_close.txt"]

    /// Real streams: whole, one byte at a time, and in random splits give identical events, and every message
    /// ends exactly where the next begins (the last at the end of the stream).
    @Test(arguments: streams)
    func realStreamsParseTheSameInAnySplit(_ name: String) throws {
        let (client, server) = try loadStream(name)
        let clientBytes = client.flatMap { $0 }, serverBytes = server.flatMap { $0 }
        let requests = run(.requests, client)
        #expect(malformed(requests).isEmpty, "\(malformed(requests))")
        let methods = heads(requests).compactMap(\.method)
        #expect(!methods.isEmpty)
        let responses = run(.responses, server, methods: methods)
        #expect(malformed(responses).isEmpty, "\(malformed(responses))")
        #expect(ends(responses).last?.endOffset == serverBytes.count)
        #expect(ends(requests).last?.endOffset == clientBytes.count)
        // The segments as captured, the whole stream at once, one byte at a time, random splits.
        #expect(run(.requests, [clientBytes]) == requests)
        #expect(run(.responses, [serverBytes], methods: methods) == responses)
        #expect(run(.responses, serverBytes.map { [$0] }, methods: methods) == responses)
        #expect(run(.requests, clientBytes.map { [$0] }) == requests)
        var generator = SeededGenerator(seed: 0x5eed)
        for _ in 0..<5 {
            #expect(run(.responses, splits(serverBytes, &generator), methods: methods) == responses)
        }
        // Body events add up to each message's body length.
        var bodyTotal = 0
        for event in responses {
            if case .body(let bytes, _) = event { bodyTotal += bytes.count }
        }
        #expect(bodyTotal == ends(responses).reduce(0) { $0 + $1.bodyLength })
    }

    @Test func chunkedResponseFromCorpus() throws {
        let (_, server) = try loadStream("stream_chunk.txt")
        let events = run(.responses, server, methods: ["GET"])
        #expect(heads(events).map(\.status) == [200])
        #expect(ends(events).map(\.framing) == [.chunked])
        #expect((ends(events).first?.bodyLength ?? 0) > 0)
    }

    @Test func pipelinedRequestsAndContentLengths() throws {
        let (client, server) = try loadStream("stream_pipelined.txt")
        let requests = run(.requests, client)
        #expect(heads(requests).count == 5)
        let responses = run(.responses, server, methods: heads(requests).compactMap(\.method))
        #expect(ends(responses).map(\.framing) == [946, 6716, 94, 2349, 27579].map { .contentLength($0) })
    }

    @Test func interim100ContinueThenFinal() throws {
        let (client, server) = try loadStream("stream_continue100.txt")
        let requests = run(.requests, client)
        #expect(ends(requests).map(\.framing) == [.contentLength(2001)])
        let responses = run(.responses, server, methods: ["POST"])
        #expect(heads(responses).map(\.status) == [100, 200])
        #expect(ends(responses).map(\.framing) == [.none, .chunked])
    }

    @Test func http10BodyEndsAtClose() throws {
        let (_, server) = try loadStream("stream_http10_close.txt")
        let events = run(.responses, server, methods: ["GET"])
        #expect(ends(events).map(\.framing) == [.contentLength(563)] || ends(events).map(\.framing) == [.untilClose])
        var parser = HTTPParser(role: .responses)
        #expect(parser.feed(Array("HTTP/1.0 200 OK\r\n\r\nhello".utf8)).count == 2)
        #expect(ends(parser.finish()) == [HTTPMessageEnd(framing: .untilClose, bodyLength: 5, endOffset: 24)])
    }

    @Test func conflictingContentLengthIsMalformed() throws {
        let (client, _) = try loadStream("stream_multiple_cl.txt")
        let events = run(.requests, client)
        #expect(malformed(events).first?.hasPrefix("conflicting Content-Length") == true)
    }

    @Test func chunkSizeOverflowIsMalformed() throws {
        let (client, _) = try loadStream("stream_chunk_overflow.txt")
        let events = run(.requests, client)
        #expect(malformed(events).first?.contains("hex digits") == true)
    }

    @Test func noBodyForHeadResponses204And304() {
        let stream = Array(("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n" + "HTTP/1.1 204 No Content\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").utf8)
        let events = run(.responses, [stream], methods: ["HEAD", "GET", "GET", "GET"])
        #expect(malformed(events).isEmpty)
        #expect(ends(events).map(\.framing) == [.none, .none, .none, .contentLength(2)])
        #expect(ends(events).last?.endOffset == stream.count)
        #expect(run(.responses, stream.map { [$0] }, methods: ["HEAD", "GET", "GET", "GET"]) == events)
    }

    @Test func chunkedWithExtensionsAndTrailers() {
        let text = "POST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Sum: 42\r\n\r\n"
            + "GET /next HTTP/1.1\r\n\r\n"
        let bytes = Array(text.utf8)
        let events = run(.requests, [bytes])
        #expect(malformed(events).isEmpty)
        let finished = ends(events)
        #expect(finished.first == HTTPMessageEnd(framing: .chunked, bodyLength: 31,
                                                 trailers: [HTTPHeaderLine(name: "X-Sum", value: "42")],
                                                 endOffset: bytes.count - 22))
        #expect(heads(events).map(\.uri) == ["/up", "/next"])
        let body = events.compactMap { if case .body(let b, _) = $0 { return Array(b) } else { return nil } }
        #expect(body == [Array("hello".utf8), Array("abcdefghijklmnopqrstuvwxyz".utf8)])
        #expect(run(.requests, bytes.map { [$0] }) == events)
    }

    @Test func bareLFIsAcceptedAndFlagged() {
        let events = run(.requests, [Array("GET / HTTP/1.0\nHost: x\n\n".utf8)])
        #expect(heads(events).first?.bareLF == true)
        #expect(malformed(events).isEmpty)
    }

    @Test func headCapsAreEnforced() {
        var many = "GET / HTTP/1.1\r\n"
        for index in 0...HTTPSyntax.maxHeaderCount { many += "X-\(index): v\r\n" }
        #expect(malformed(run(.requests, [Array((many + "\r\n").utf8)])).first?.contains("header lines") == true)
        let huge = "GET /" + String(repeating: "a", count: HTTPSyntax.maxHeadBytes) + " HTTP/1.1\r\n\r\n"
        #expect(malformed(run(.requests, [Array(huge.utf8)])).first?.contains("longer than") == true)
    }

    @Test(arguments: ["\u{16}\u{03}\u{01}\u{02}", "HELLO THERE\r\n\r\n", "GET /\r\n\r\n",
                      "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
                      "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"])
    func malformedRequests(_ text: String) {
        let events = run(.requests, [Array(text.utf8)])
        #expect(malformed(events).count == 1, "\(events)")
    }

    @Test func malformedChunkFraming() {
        let base = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        for body in ["zz\r\n", "3\r\nabcX\r\n", "3 junk\r\nabc\r\n0\r\n\r\n", "3\r\nabc\r\n0\r\nnot a trailer\r\n\r\n"] {
            #expect(malformed(run(.responses, [Array((base + body).utf8)])).count == 1, "\(body)")
        }
        // A stream that ends mid-body is reported at finish.
        #expect(malformed(run(.responses, [Array((base + "5\r\nab").utf8)])).count == 1)
    }

    @Test func gapsInsideKnownLengthBodiesContinue() {
        var parser = HTTPParser(role: .responses)
        var events = parser.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab".utf8))
        events += parser.feedGap(count: 5)
        events += parser.feed(Array("cdeHTTP/1.1 204 No Content\r\n\r\n".utf8))
        events += parser.finish()
        #expect(events.contains(.bodyGap(count: 5, offset: 41)))
        #expect(ends(events).map(\.bodyLength) == [10, 0])
        #expect(malformed(events).isEmpty)
        var lost = HTTPParser(role: .requests)
        _ = lost.feed(Array("GET / HT".utf8))
        #expect(malformed(lost.feedGap(count: 3)).count == 1)
        #expect(lost.feed(Array("GET / HTTP/1.1\r\n\r\n".utf8)).isEmpty)
    }

    /// A head that arrives whole in one chunk is taken in one piece (`HTTPSyntax.completeHeadEnd`); a byte at a time
    /// it is collected line by line. Both must give the same events, at the edges of that shortcut too: the cap,
    /// bare LFs, a CR alone on a line, a bad start line, empty lines before a request, two heads in one chunk.
    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTPParser.Role.requests),
        ("GET / HTTP/1.0\nHost: a\n\n", .requests),
        ("GET / HTTP/1.1\r\nX: \r\r\n\r\n", .requests),
        ("GET / HTTP/1.1\r\n\r\r\n\r\n", .requests),
        ("GET / HTTP/1.1\nA\n\n", .requests),
        ("FOO\r\n\r\n", .requests),
        ("GET /\r\nHost: a\r\n\r\n", .requests),
        ("\r\n\r\nGET / HTTP/1.1\r\n\r\n", .requests),
        ("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nxyGET /c HTTP/1.1\r\n\r\n", .requests),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204 No Content\r\n\r\n", .responses),
        ("HTTP/1.1 200 OK\r\n\r\n", .requests),
        ("GET / HTTP/1.1\r\nHost: a\r\n", .requests),
    ])
    func wholeHeadsParseAsLineByLine(_ text: String, _ role: HTTPParser.Role) {
        let stream = Array(text.utf8)
        let whole = run(role, [stream])
        #expect(run(role, stream.map { [$0] }) == whole, "\(text.debugDescription)")
    }

    /// Heads one byte under the cap, at it and one byte over it, whole and a byte at a time.
    @Test func headsAtTheCapParseAsLineByLine() {
        let start = "GET / HTTP/1.1\r\nX: "
        for over in [-1, 0, 1] {
            // start + padding + "\r\n\r\n" is maxHeadBytes + over bytes long.
            let padding = String(repeating: "a", count: HTTPSyntax.maxHeadBytes + over - start.utf8.count - 4)
            let stream = Array((start + padding + "\r\n\r\n").utf8)
            #expect(stream.count == HTTPSyntax.maxHeadBytes + over)
            let whole = run(.requests, [stream])
            #expect(heads(whole).count == (over <= 0 ? 1 : 0), "over \(over)")
            #expect(malformed(whole).count == (over <= 0 ? 0 : 1), "over \(over)")
            #expect(run(.requests, stream.map { [$0] }) == whole, "over \(over)")
        }
    }

    @Test func randomBytesNeverTrapAndSplitsAgree() {
        var generator = SeededGenerator(seed: 0xfeed)
        let alphabet = Array("HTTP/1.1 200 GET /\r\n:Content-Length: 3\r\nTransfer-Encoding: chunked\r\n0a;x\r\n".utf8)
        for round in 0..<400 {
            let count = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            let prefix = Array((round % 2 == 0 ? "HTTP/1.1 200 OK\r\n" : "GET / HTTP/1.1\r\n").utf8)
            let stream = prefix + bytes
            let role: HTTPParser.Role = round % 2 == 0 ? .responses : .requests
            let whole = run(role, [stream])
            #expect(run(role, stream.map { [$0] }) == whole, "round \(round)")
            #expect(run(role, splits(stream, &generator)) == whole, "round \(round)")
        }
    }
}
