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
        var generator = AppLayerFixture.SeededGenerator(seed: 0x4777)
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
