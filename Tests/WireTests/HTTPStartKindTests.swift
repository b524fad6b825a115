import Testing
@testable import Wire

/// `HTTPSyntax.startKind` takes shortcuts (a token-byte test before anything else, packed method codes, a
/// target-then-version test before the line end is searched); it must answer exactly as the plain definition.
@Suite struct HTTPStartKindTests {
    /// The definition, written out the slow way: "HTTP/1." starts a response; a known method and a space start
    /// a request; an unknown method only if its whole line parses as a request line with an HTTP/1.x version.
    static func reference(_ bytes: [UInt8]) -> Bool? {
        let slice = bytes[...], end = bytes.count
        let version = Array("HTTP/1.".utf8)
        func hasVersion(at start: Int, end: Int) -> Bool {
            end - start >= version.count && start + version.count <= bytes.count
                && Array(bytes[start..<(start + version.count)]) == version
        }
        if hasVersion(at: 0, end: end) { return false }
        var index = 0
        while index < end, index <= HTTPSyntax.maxMethodLength, HTTPSyntax.isTokenByte(bytes[index]) { index += 1 }
        guard index > 0, index <= HTTPSyntax.maxMethodLength, index < end, bytes[index] == 0x20 else { return nil }
        if HTTPSyntax.knownMethods.contains(String(decoding: bytes[0..<index], as: UTF8.self)) { return true }
        guard let line = HTTPSyntax.lineEnd(slice, from: 0, to: min(end, HTTPSyntax.maxHeadBytes)),
              let request = HTTPSyntax.requestLine(slice, start: 0, end: line.contentEnd) else { return nil }
        return hasVersion(at: request.version.lowerBound, end: request.version.upperBound) ? true : nil
    }

    static let pieces = ["GET", "PUT", "PROPPATCH", "SUBSCRIBE", "M-SEARCH", "FOO", "get", "x", " ", "  ", "/",
                         "/a", "HTTP/1.1", "HTTP/1.", "HTTP/2", "HTTP", "\r\n", "\n", "\r", "\u{16}", "{\"a\":1}",
                         "VERYLONGMETHODNAMEOVER20", "\t", ":"]

    @Test("agrees with the definition on generated starts", arguments: 0..<40)
    func agreesWithDefinition(_ seed: Int) {
        var rng = SeededGenerator(seed: 0x5741 + UInt64(seed))
        for _ in 0..<250 {
            let text = (0..<Int.random(in: 0...7, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }
                .joined()
            let bytes = Array(text.utf8)
            let slice = [0x41] + bytes + [0x42]  // absolute indices start at 1; bytes outside are not read
            let got = HTTPSyntax.startKind(slice[1..<(slice.count - 1)], from: 1, to: slice.count - 1)
            #expect(got == Self.reference(bytes), "\(text.debugDescription)")
        }
    }

    @Test(arguments: [("GET / HTTP/1.1\r\n", true), ("FOO /x HTTP/1.1\r\n", true), ("FOO /x HTTP/1.1", nil),
                      ("FOO  /x   HTTP/1.0 extra\n", true), ("FOO /x\r\n HTTP/1.1\r\n", nil), ("FOO /x HTTP/2\r\n", nil),
                      ("HTTP/1.1 200 OK\r\n", false), ("hello world and more\r\n", nil), ("{\"a\": 1}", nil),
                      ("PROPPATCH /", true), ("SUBSCRIBE *", true)] as [(String, Bool?)])
    func examples(_ text: String, _ expected: Bool?) {
        let bytes = Array(text.utf8)
        #expect(HTTPSyntax.startKind(bytes[...], from: 0, to: bytes.count) == expected)
        #expect(Self.reference(bytes) == expected)
    }

    @Test func tokenBytesAreTheTcharList() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8))
        for byte in UInt8.min...UInt8.max {
            #expect(HTTPSyntax.isTokenByte(byte) == tchar.contains(byte), "byte \(byte)")
        }
    }

    @Test("the word-at-a-time LF search finds the first LF", arguments: 0..<20)
    func firstLineFeedMatchesAScan(_ seed: Int) {
        var rng = SeededGenerator(seed: 0x1f + UInt64(seed))
        // Few distinct bytes, so LFs, 0x0b (a borrow's false flag) and 0x0a-adjacent values are common.
        let alphabet: [UInt8] = [0x0a, 0x0b, 0x09, 0x0d, 0x00, 0x01, 0x41, 0x8a, 0xff]
        let bytes = (0..<Int.random(in: 0...80, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
        for from in 0...bytes.count {
            for to in from...bytes.count {
                let expected = bytes[from..<to].firstIndex(of: 0x0a)
                let found = bytes.withUnsafeBufferPointer { HTTPSyntax.firstLineFeed($0, from: from, to: to) }
                #expect(found == expected, "\(bytes) \(from)..<\(to)")
            }
        }
    }
}
