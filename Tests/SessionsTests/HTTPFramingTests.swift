import Testing
import Wire
@testable import Sessions

/// `HTTPParser` decides the usual head's framing from its bytes (no Transfer-Encoding, at most one plain
/// Content-Length) and everything else on the general path: both must frame as RFC 9112 §6.3 says.
@Suite("HTTP body framing")
struct HTTPFramingTests {
    private func problem(_ head: String) -> String? {
        var parser = HTTPParser(role: .requests)
        for case .malformed(let reason, _) in parser.feed(Array(head.utf8)) { return reason }
        return nil
    }

    @Test(arguments: [
        ("Content-Length: 3", HTTPBodyFraming.contentLength(3)),
        ("content-LENGTH:3", .contentLength(3)),
        ("Content-Length:   007  ", .contentLength(7)),
        ("Content-Length: 123456789012345", .contentLength(123_456_789_012_345)),
        ("Content-Length: 0", .contentLength(0)),
        ("Content-Lengths: 3", .none),
        ("Content-Length: 4, 4", .contentLength(4)),
        ("Content-Length: 4\r\nContent-Length: 4", .contentLength(4)),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5", .chunked),
        ("Transfer-Encoding: chunked", .chunked),
        ("transfer-encoding:   CHUNKED  ", .chunked),
        ("Content-Length: abc\r\nTransfer-Encoding: chunked", .chunked),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", .chunked),
        ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked", .chunked),
        ("TRANSFER-ENCODING: gzip, Chunked", .chunked),
        ("X-Length: 5", .none),
    ])
    func requestFraming(header: String, expected: HTTPBodyFraming) {
        var parser = HTTPParser(role: .requests)
        var events = parser.feed(Array("POST / HTTP/1.1\r\nHost: a\r\n\(header)\r\n\r\n".utf8))
        // Then the body the framing calls for (a length as missing bytes), so that the message completes.
        switch expected {
        case .contentLength(let length) where length > 0: events += parser.feedGap(count: length)
        case .chunked: events += parser.feed(Array("0\r\n\r\n".utf8))
        default: break
        }
        let ends = events.compactMap { event -> HTTPBodyFraming? in
            if case .complete(let end) = event { return end.framing } else { return nil }
        }
        #expect(ends == [expected], "\(events)")
    }

    @Test func responsesWithoutLengthRunToTheClose() {
        var parser = HTTPParser(role: .responses)
        parser.expectResponse(toMethod: "GET")
        _ = parser.feed(Array("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabc".utf8))
        #expect(parser.finish() == [.complete(HTTPMessageEnd(framing: .untilClose, bodyLength: 3, endOffset: 33))])
    }

    @Test func unusualLengthsAreWordedAsBefore() {
        #expect(problem("POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n")
            == "Content-Length \"1234567890123456\" is not a number")
        #expect(problem("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n") == "Content-Length \"\" is not a number")
        #expect(problem("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n") == "Content-Length \"+5\" is not a number")
        #expect(problem("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n")
            == "conflicting Content-Length values (4, 5)")
        #expect(problem("POST / HTTP/1.1\r\nTransfer-Encoding: GZIP \r\n\r\n")
            == "Transfer-Encoding \"gzip\" without chunked last: the request's length is unknown")
        #expect(problem("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
            == "Transfer-Encoding \"gzip\" without chunked last: the request's length is unknown")
        #expect(problem("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: br\r\n\r\n")
            == "Transfer-Encoding \"br\" without chunked last: the request's length is unknown")
    }
}


/// `HTTPTransactions.isChunked(codings:)` compares bytes; the reference is what it replaced.
@Suite("Transfer-Encoding: chunked last")
struct ChunkedLastTests {
    private static func reference(_ codings: String) -> Bool {
        guard let last = codings.split(separator: ",").last else { return false }
        return last.filter { $0 != " " && $0 != "\t" }.lowercased() == "chunked"
    }

    @Test(arguments: ["chunked", "Chunked", "gzip, chunked", "gzip,CHUNKED ", "chunked,", "chunked,,", ",chunked",
                      " c h u n k e d ", "chunked, ", "chunked, gzip", "", ",", " ", "chunke", "chunkedd", "xchunked",
                      "\tchunked\t", "chunk\u{E9}d", "CHUNK\u{C9}D", "gzip;q=1, chunked", "chunked;x=1"])
    func sameAsStrings(_ codings: String) {
        #expect(HTTPTransactions.isChunked(codings: codings) == Self.reference(codings), "\(codings)")
    }
}
