import Capture
import Foundation
import Testing
import Wire
@testable import Sessions

/// Directory of the HTTP oracle fixtures (see Fixtures/http/regenerate.sh).
let httpFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/http")

let httpCaptures: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: httpFixtures.path)) ?? []
    return names.filter { $0.hasSuffix(".pcap") }.sorted()
}()

/// Runs a capture; returns every session's exchanges, the annotations by frame, and body bytes by (session, index).
func runHTTPCapture(_ path: String, options: SessionOptions = SessionOptions()) throws
    -> (exchanges: [HTTPTransaction], annotations: [Int: [HTTPTransaction]], bodies: [String: [UInt8]], summaries: [SessionSummary]) {
    let reader = try CaptureFileReader(path: path)
    let tracker = SessionTracker(options: options)
    var bodies: [String: [UInt8]] = [:]
    tracker.onHTTPBody = { session, index, bytes in bodies["\(session)#\(index)", default: []].append(contentsOf: bytes) }
    var annotations: [Int: [HTTPTransaction]] = [:]
    while let frame = try reader.next() {
        let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
        let annotation = tracker.process(decoded, bytes: frame.bytes, number: frame.number,
                                         timeNanoseconds: frame.timeNanoseconds, originalLength: frame.originalLength)
        if !annotation.http.isEmpty { annotations[frame.number] = annotation.http }
    }
    let summaries = tracker.finish()
    return (summaries.flatMap(\.http), annotations, bodies, summaries)
}

@Suite("HTTP exchanges against tshark")
struct HTTPOracleTests {
    @Test("method, uri, version, host, status, head frames, body length and SHA-256 match tshark", arguments: httpCaptures)
    func matchesTshark(capture: String) throws {
        let text = try String(contentsOf: httpFixtures.appendingPathComponent(capture + ".http.tsv"), encoding: .utf8)
        let expected = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let run = try runHTTPCapture(httpFixtures.appendingPathComponent(capture).path)
        #expect(run.exchanges.count == expected.count, "\(capture): \(run.exchanges.count) exchanges, tshark \(expected.count)")
        for columns in expected {
            try #require(columns.count == 13)
            func field(_ index: Int) -> String? { columns[index] == "-" ? nil : columns[index] }
            let requestFrame = field(1).flatMap { Int($0) }
            let responseFrame = field(6).flatMap { Int($0) }
            let found = run.exchanges.first {
                requestFrame != nil ? $0.requestFrame == requestFrame : $0.responseFrame == responseFrame
            }
            let exchange = try #require(found, "\(capture): no exchange for request frame \(columns[1])")
            #expect(exchange.method == field(2), "\(capture) #\(columns[1])")
            #expect(exchange.uri == field(3), "\(capture) #\(columns[1])")
            #expect(exchange.version == field(4), "\(capture) #\(columns[1])")
            #expect(exchange.host == field(5), "\(capture) #\(columns[1])")
            #expect(exchange.responseFrame == responseFrame, "\(capture) #\(columns[1])")
            #expect(exchange.status == field(7).flatMap { Int($0) }, "\(capture) #\(columns[1])")
            #expect(exchange.reason == field(8), "\(capture) #\(columns[1])")
            if responseFrame != nil {
                #expect(exchange.bodyLength == field(9).flatMap { Int64($0) }, "\(capture) #\(columns[1])")
                #expect(exchange.bodySHA256 == field(10), "\(capture) #\(columns[1])")
                #expect(exchange.chunked == (columns[11] == "1"), "\(capture) #\(columns[1])")
                #expect(!exchange.unfinished && !exchange.malformed, "\(capture) #\(columns[1])")
            }
            #expect(exchange.interimStatus == field(12).flatMap { Int($0) }, "\(capture) #\(columns[1])")
            // The head frames carry the exchange in their annotation.
            if let requestFrame {
                #expect(run.annotations[requestFrame]?.contains { $0.requestFrame == requestFrame && $0.index == exchange.index } == true,
                        "\(capture): frame \(requestFrame) lacks its request annotation")
            }
            if let responseFrame {
                let snapshot = run.annotations[responseFrame]?.first { $0.responseFrame == responseFrame && $0.index == exchange.index }
                #expect(snapshot?.status == exchange.status, "\(capture): frame \(responseFrame) lacks its response annotation")
            }
        }
    }

    @Test("onHTTPBody delivers each response's decoded body, numbered from 1 per session", arguments: httpCaptures)
    func bodyCallback(capture: String) throws {
        let run = try runHTTPCapture(httpFixtures.appendingPathComponent(capture).path)
        for summary in run.summaries {
            for exchange in summary.http {
                guard let index = exchange.responseIndex, let digest = exchange.bodySHA256 else { continue }
                let bytes = run.bodies["\(summary.id)#\(index)"] ?? []
                #expect(Int64(bytes.count) == exchange.bodyLength)
                #expect(SHA256.hex(bytes) == digest)
            }
        }
    }
}

// MARK: - Crafted exchanges

/// A handshaken connection to drive with raw bytes in either direction.
final class HTTPConversation {
    let harness: Harness
    var clientSequence: UInt32 = 1001
    var serverSequence: UInt32 = 5001
    var bodies: [Int: [UInt8]] = [:]

    init(options: SessionOptions = SessionOptions(), serverPort: UInt16 = 80) {
        harness = Harness(options: options)
        harness.serverPort = serverPort
        harness.tracker.onHTTPBody = { [unowned self] _, index, bytes in self.bodies[index, default: []] += bytes }
        harness.handshake()
    }

    /// Sends `text` from the client (or server) in segments of `segment` bytes; returns each frame's annotation.
    @discardableResult
    func send(_ fromClient: Bool, _ text: String, segment: Int = 1460) -> [FrameAnnotation] {
        let bytes = Array(text.utf8)
        var annotations: [FrameAnnotation] = []
        var start = 0
        while start < bytes.count {
            let piece = Array(bytes[start..<min(bytes.count, start + segment)])
            if fromClient {
                annotations.append(harness.tcp(true, seq: clientSequence, ack: serverSequence, [.ack, .psh], payload: piece))
                clientSequence &+= UInt32(piece.count)
            } else {
                annotations.append(harness.tcp(false, seq: serverSequence, ack: clientSequence, [.ack, .psh], payload: piece))
                serverSequence &+= UInt32(piece.count)
            }
            start += segment
        }
        return annotations
    }

    func close() {
        harness.tcp(false, seq: serverSequence, ack: clientSequence, [.fin, .ack])
        serverSequence &+= 1
        harness.tcp(true, seq: clientSequence, ack: serverSequence, [.fin, .ack])
        clientSequence &+= 1
        harness.tcp(false, seq: serverSequence, ack: clientSequence, .ack)
    }

    func finish() -> SessionSummary? { harness.finish().first }
}

@Suite("HTTP exchanges on crafted streams")
struct HTTPTransactionTests {
    static let hello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

    @Test("a request split one byte per segment is credited to the frame with its last head byte")
    func headAcrossSegments() throws {
        let conversation = HTTPConversation()
        let request = "GET /a HTTP/1.1\r\nHost: board.local\r\n\r\n"
        let annotations = conversation.send(true, request, segment: 1)
        #expect(annotations.dropLast().allSatisfy { $0.http.isEmpty })
        let last = try #require(annotations.last?.http.first)
        #expect(last.method == "GET" && last.uri == "/a" && last.host == "board.local" && last.version == "HTTP/1.1")
        #expect(last.requestFrame == conversation.harness.number)
        let response = conversation.send(false, HTTPTransactionTests.hello, segment: 3)
        #expect(response[0].http.isEmpty)
        #expect(response.flatMap(\.http).count == 1)
        let summary = try #require(conversation.finish())
        let exchange = try #require(summary.http.first)
        #expect(exchange.status == 200 && exchange.reason == "OK" && exchange.bodyLength == 5)
        #expect(exchange.bodySHA256 == SHA256.hex(Array("hello".utf8)))
        #expect(!exchange.unfinished && !exchange.malformed && !exchange.bareLF)
        #expect(conversation.bodies[1] == Array("hello".utf8))
    }

    @Test("pipelined requests pair with responses in order; HEAD, 204 and 304 have no body")
    func pipelining() throws {
        let conversation = HTTPConversation()
        let requests = conversation.send(true, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /n HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /c HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(requests[0].http.map(\.uri) == ["/h", "/n", "/c", "/b"])
        conversation.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
            + HTTPTransactionTests.hello)
        let summary = try #require(conversation.finish())
        #expect(summary.http.map(\.uri) == ["/h", "/n", "/c", "/b"])
        #expect(summary.http.map(\.status) == [200, 204, 304, 200])
        #expect(summary.http.map(\.bodyLength) == [0, 0, 0, 5])
        #expect(summary.http.map(\.responseIndex) == [1, 2, 3, 4])
        #expect(summary.http.allSatisfy { !$0.unfinished && !$0.malformed })
        #expect(conversation.bodies.keys.sorted() == [4])
    }

    @Test("chunked body with extensions and trailers is de-chunked and hashed")
    func chunkedTrailers() throws {
        let conversation = HTTPConversation(serverPort: 8080)
        conversation.send(true, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
        conversation.send(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
            + "5;name=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n", segment: 7)
        conversation.send(true, "GET /d HTTP/1.1\r\nHost: x\r\n\r\n")
        conversation.send(false, HTTPTransactionTests.hello)
        let summary = try #require(conversation.finish())
        #expect(summary.http.count == 2)
        let exchange = try #require(summary.http.first)
        #expect(exchange.chunked && exchange.bodyLength == 11)
        #expect(exchange.bodySHA256 == SHA256.hex(Array("hello world".utf8)))
        #expect(conversation.bodies[1] == Array("hello world".utf8))
        #expect(summary.http[1].status == 200 && !summary.http[1].chunked)
    }

    @Test("bare LF line endings are flagged")
    func bareLF() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "GET / HTTP/1.0\nHost: x\n\n")
        conversation.send(false, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        let summary = try #require(conversation.finish())
        #expect(summary.http.first?.bareLF == true)
        #expect(summary.http.first?.status == 200)
    }

    @Test("HTTP/1.0 body ended by the close")
    func untilClose() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "GET / HTTP/1.0\r\n\r\n")
        conversation.send(false, "HTTP/1.0 200 OK\r\nServer: MicroPython\r\n\r\nsome bytes")
        conversation.close()
        let summary = try #require(conversation.finish())
        let exchange = try #require(summary.http.first)
        #expect(exchange.bodyLength == 10 && exchange.responseVersion == "HTTP/1.0" && !exchange.unfinished)
        #expect(exchange.bodySHA256 == SHA256.hex(Array("some bytes".utf8)))
    }

    @Test("a response cut short at the end of the capture is unfinished; an unanswered request too")
    func unfinished() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        conversation.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some")
        conversation.send(true, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        let summary = try #require(conversation.finish())
        #expect(summary.http.count == 2)
        #expect(summary.http[0].unfinished && !summary.http[0].malformed)
        #expect(summary.http[0].bodyLength == 9 && summary.http[0].bodySHA256 == nil)
        #expect(summary.http[0].problem != nil)
        #expect(summary.http[1].unfinished && summary.http[1].status == nil)
    }

    @Test("a malformed request is reported and later bytes are not parsed")
    func malformedRequest() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        conversation.send(false, HTTPTransactionTests.hello)
        conversation.send(true, "GET /bad HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabc")
        conversation.send(false, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let summary = try #require(conversation.finish())
        #expect(summary.http.count == 2)
        #expect(!summary.http[0].malformed)
        #expect(summary.http[1].malformed && summary.http[1].uri == "/bad" && summary.http[1].status == 400)
        #expect(summary.http[1].problem?.contains("Content-Length") == true)
    }

    @Test("garbage where a request line should be is a malformed exchange")
    func garbageAfterRequest() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "GET /ok HTTP/1.1\r\n\r\n\u{1}\u{2}junk\r\n\r\n")
        let summary = try #require(conversation.finish())
        #expect(summary.http.count == 2)
        #expect(summary.http[1].malformed && summary.http[1].method == nil)
    }

    @Test("100 Continue is interim: the final response pairs with the same request")
    func continueInterim() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        let interim = conversation.send(false, "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(interim[0].http.first?.status == 100)
        conversation.send(true, "data")
        conversation.send(false, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        let summary = try #require(conversation.finish())
        let exchange = try #require(summary.http.first)
        #expect(summary.http.count == 1)
        #expect(exchange.status == 201 && exchange.interimStatus == 100 && exchange.responseIndex == 1)
        #expect(exchange.requestBodyLength == 4 && exchange.requestBodySHA256 == SHA256.hex(Array("data".utf8)))
    }

    @Test("after 101 Switching Protocols the bytes are not HTTP")
    func upgrade() throws {
        let conversation = HTTPConversation()
        conversation.send(true, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        conversation.send(false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u{81}\u{2}hi")
        conversation.send(true, "\u{81}\u{82}abcdxx")
        let summary = try #require(conversation.finish())
        #expect(summary.http.count == 1)
        #expect(summary.http[0].status == 101 && !summary.http[0].malformed && !summary.http[0].unfinished)
    }

    @Test("recognised by content on any port; other protocols are not parsed", arguments: [
        ("GET / HTTP/1.1\r\n\r\n", true), ("BREW /pot HTTP/1.1\r\n\r\n", true), ("\u{16}\u{3}\u{1}\u{0}", false),
        ("SSH-2.0-OpenSSH\r\n", false), ("hello there\r\n", false),
    ])
    func detection(first: String, isHTTP: Bool) throws {
        let conversation = HTTPConversation(serverPort: 4242)
        conversation.send(true, first)
        conversation.send(false, "HTTP/1.1 204 No Content\r\n\r\n")
        let summary = try #require(conversation.finish())
        #expect(summary.http.count == (isHTTP ? 1 : 0))
        #expect(summary.http.first?.status == (isHTTP ? 204 : nil))
    }

    @Test("exchanges beyond maxHTTPTransactionsPerSession are counted, not stored")
    func cap() throws {
        var options = SessionOptions()
        options.maxHTTPTransactionsPerSession = 2
        let conversation = HTTPConversation(options: options)
        for index in 1...3 {
            conversation.send(true, "GET /\(index) HTTP/1.1\r\n\r\n")
            conversation.send(false, HTTPTransactionTests.hello)
        }
        let summary = try #require(conversation.finish())
        #expect(summary.http.map(\.uri) == ["/1", "/2"])
        #expect(summary.httpTransactionCount == 3)
        #expect(conversation.bodies[3] == Array("hello".utf8))
    }
}
