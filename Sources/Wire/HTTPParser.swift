/// A resumable HTTP/1.x message parser for one direction of a reassembled TCP stream (RFC 9112).

/// How a message's body was delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Sendable, Hashable {
    /// No body: a request without Content-Length/Transfer-Encoding, a HEAD response, 1xx, 204 or 304.
    case none
    /// Exactly this many bytes (Content-Length).
    case contentLength(Int)
    /// Transfer-Encoding: chunked.
    case chunked
    /// The body runs until the connection closes (a response without a length, e.g. HTTP/1.0).
    case untilClose
}

/// What the parser reports. Feeding the same stream in any split gives the same events once adjacent `.body`
/// events are merged (see `HTTPParser.coalesced`).
public enum HTTPParserEvent: Sendable, Hashable {
    /// A start line and headers. `offset` is the stream offset of the head's first byte.
    case head(HTTPHead, offset: Int)
    /// Body bytes as they arrive (chunk framing removed), starting at stream offset `offset`.
    case body(ArraySlice<UInt8>, offset: Int)
    /// Body bytes lost to a gap in the capture (the body's hash cannot be complete).
    case bodyGap(count: Int, offset: Int)
    /// The message ended. `bodyLength` counts body bytes including any lost in gaps.
    case complete(HTTPMessageEnd)
    /// The stream cannot be parsed from here on; later bytes are ignored. `offset` is where the fault was found.
    case malformed(reason: String, offset: Int)
}

/// The end of one message.
public struct HTTPMessageEnd: Sendable, Hashable {
    public var framing: HTTPBodyFraming
    public var bodyLength: Int
    /// Trailer fields after a chunked body (RFC 9112 §7.1.2).
    public var trailers: [HTTPHeaderLine]
    /// Stream offset one past the message's last byte.
    public var endOffset: Int
    public init(framing: HTTPBodyFraming, bodyLength: Int, trailers: [HTTPHeaderLine] = [], endOffset: Int) {
        self.framing = framing
        self.bodyLength = bodyLength
        self.trailers = trailers
        self.endOffset = endOffset
    }
}

/// A state machine fed one direction of a TCP stream in order: `feed` with bytes, `feedGap` where reassembly
/// lost bytes, `finish` at FIN/RST or the end of the capture. Every call returns the events it produced.
///
/// The response side must be told the method of each request it answers (`expectResponse(toMethod:)`, in
/// request order), because a response to HEAD has no body (RFC 9112 §6.3 rule 1); without it, GET is assumed.
public struct HTTPParser: Sendable {
    /// Which direction this parser reads.
    public enum Role: Sendable, Hashable { case requests, responses }

    private enum State: Sendable, Hashable {
        /// Waiting for or collecting a head in `buffer`; `scanned` is how far the empty-line search got.
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case failed
    }

    public let role: Role
    private var state: State = .head
    /// Bytes of an unfinished head, chunk-size line, chunk CRLF or trailer section.
    private var buffer: [UInt8] = []
    /// Start of the current line inside `buffer` (head and trailer search).
    private var lineStart = 0
    /// Stream offset of `buffer`'s first byte.
    private var bufferOffset = 0
    /// Stream offset of the next byte fed.
    public private(set) var position = 0
    private var framing: HTTPBodyFraming = .none
    private var bodyLength = 0
    private var expectedMethods: [String] = []
    private var expectedMethodIndex = 0
    /// Messages completed so far.
    public private(set) var messageCount = 0

    public init(role: Role) { self.role = role }

    /// Queues the method of a request whose response this parser will read next (pipelining keeps the order).
    public mutating func expectResponse(toMethod method: String) {
        expectedMethods.append(method)
    }

    /// True when the parser is between messages (nothing pending), e.g. to decide whether a FIN is clean.
    public var isIdle: Bool { state == .head && buffer.isEmpty }

    // MARK: Input

    /// Feeds the next in-order bytes.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) -> [HTTPParserEvent] {
        var events: [HTTPParserEvent] = []
        feed(bytes, into: &events)
        return events
    }

    /// Feeds the next in-order bytes, appending the events to `events` (a buffer the caller reuses: no array
    /// is allocated per call).
    public mutating func feed(_ bytes: ArraySlice<UInt8>, into events: inout [HTTPParserEvent]) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let before = index
            step(bytes, &index, &events)
            if index == before, state == .failed { break }
        }
        position += bytes.count
    }

    /// Convenience for whole arrays.
    public mutating func feed(_ bytes: [UInt8]) -> [HTTPParserEvent] { feed(bytes[...]) }

    /// Marks `count` missing bytes. Inside a body of known size (or one that runs to the close) the body
    /// continues with a `.bodyGap`; anywhere else the framing is lost and the stream becomes malformed.
    public mutating func feedGap(count: Int) -> [HTTPParserEvent] {
        guard count > 0 else { return [] }
        var events: [HTTPParserEvent] = []
        defer { position += count }
        switch state {
        case .failed:
            return []
        case .fixedBody(let remaining) where count <= remaining:
            events.append(.bodyGap(count: count, offset: position))
            bodyLength += count
            state = .fixedBody(remaining: remaining - count)
            if remaining == count { completeMessage(at: position + count, &events) }
        case .chunkData(let remaining) where count <= remaining:
            events.append(.bodyGap(count: count, offset: position))
            bodyLength += count
            state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
        case .untilClose:
            events.append(.bodyGap(count: count, offset: position))
            bodyLength += count
        default:
            fail("\(count) byte(s) missing from the capture where the message framing was being read", at: position,
                 &events)
        }
        return events
    }

    /// The stream ended (FIN, RST or end of capture).
    public mutating func finish() -> [HTTPParserEvent] {
        var events: [HTTPParserEvent] = []
        switch state {
        case .untilClose:
            completeMessage(at: position, &events)
        case .head where buffer.isEmpty, .failed:
            break
        case .head:
            fail("the stream ended inside a message head (\(buffer.count) bytes)", at: position, &events)
        case .fixedBody(let remaining):
            fail("the stream ended \(remaining) byte(s) before the end Content-Length announced", at: position, &events)
        default:
            fail("the stream ended inside a chunked body", at: position, &events)
        }
        return events
    }

    /// Merges adjacent `.body` events so streams fed in different splits compare equal.
    public static func coalesced(_ events: [HTTPParserEvent]) -> [HTTPParserEvent] {
        var out: [HTTPParserEvent] = []
        for event in events {
            if case .body(let bytes, let offset) = event, case .body(let previous, let start)? = out.last,
               start + previous.count == offset {
                out[out.count - 1] = .body(ArraySlice(Array(previous) + Array(bytes)), offset: start)
            } else if case .body(let bytes, let offset) = event {
                out.append(.body(ArraySlice(Array(bytes)), offset: offset))
            } else {
                out.append(event)
            }
        }
        return out
    }

    // MARK: States

    /// Stream offset of the byte at `index` of the chunk being fed.
    private func offset(of index: Int, in bytes: ArraySlice<UInt8>) -> Int { position + (index - bytes.startIndex) }

    private mutating func step(_ bytes: ArraySlice<UInt8>, _ index: inout Int, _ events: inout [HTTPParserEvent]) {
        switch state {
        case .failed:
            index = bytes.endIndex
        case .head, .trailers:
            collectLines(bytes, &index, &events)
        case .chunkSize, .chunkDataEnd:
            collectChunkLine(bytes, &index, &events)
        case .fixedBody(let remaining):
            let take = min(remaining, bytes.endIndex - index)
            events.append(.body(bytes[index..<(index + take)], offset: offset(of: index, in: bytes)))
            bodyLength += take
            index += take
            state = .fixedBody(remaining: remaining - take)
            if remaining == take { completeMessage(at: offset(of: index, in: bytes), &events) }
        case .chunkData(let remaining):
            let take = min(remaining, bytes.endIndex - index)
            events.append(.body(bytes[index..<(index + take)], offset: offset(of: index, in: bytes)))
            bodyLength += take
            index += take
            state = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
        case .untilClose:
            events.append(.body(bytes[index...], offset: offset(of: index, in: bytes)))
            bodyLength += bytes.endIndex - index
            index = bytes.endIndex
        }
    }

    /// Head or trailer section: buffer bytes line by line until the empty line, within the caps. Copies a line
    /// (or what is here of it) at a time; the checks are the per-byte ones, applied where they would fire.
    private mutating func collectLines(_ bytes: ArraySlice<UInt8>, _ index: inout Int, _ events: inout [HTTPParserEvent]) {
        if state == .head, buffer.isEmpty, let end = HTTPSyntax.completeHeadEnd(bytes, from: index) {
            // The usual case: a whole head in this chunk, under the cap. Taken in one piece: the lines below would
            // copy it a line at a time to reach the same buffer (a bad start line fails in `finishHead`, with the
            // same message and offset as on the line-by-line path).
            bufferOffset = offset(of: index, in: bytes)
            buffer.append(contentsOf: bytes[index..<end])
            index = end
            finishHead(&events)
            return
        }
        while index < bytes.endIndex {
            if buffer.isEmpty {
                bufferOffset = offset(of: index, in: bytes)
                // A start line begins with a method or "HTTP/": anything else is not HTTP/1.x (TLS, binary).
                let first = bytes[index]
                if state == .head, first != 0x0a, first != 0x0d, !HTTPSyntax.isTokenByte(first) {
                    buffer.append(first)
                    index += 1
                    fail("the stream does not start like an HTTP/1.x message", at: bufferOffset, &events)
                    return
                }
            }
            let lf = bytes[index...].firstIndex(of: 0x0a)
            let stop = lf.map { $0 + 1 } ?? bytes.endIndex
            let plain = (lf ?? bytes.endIndex) - index  // bytes before the LF (or all of them)
            // The cap fires on the byte that takes the buffer past it; a LF is looked at before the cap.
            let room = HTTPSyntax.maxHeadBytes + 1 - buffer.count
            if room <= plain {
                buffer.append(contentsOf: bytes[index..<(index + room)])
                index += room
                failHeadCap(&events)
                return
            }
            buffer.append(contentsOf: bytes[index..<stop])
            index = stop
            if lf != nil {
                let lineLength = buffer.count - lineStart
                let isEmptyLine = lineLength == 1 || (lineLength == 2 && buffer[lineStart] == 0x0d)
                if isEmptyLine, state == .head, lineStart == 0 {
                    // RFC 9112 §2.2: ignore empty lines before a request line (left over after a body).
                    buffer.removeAll(keepingCapacity: true)
                    lineStart = 0
                    continue
                }
                if isEmptyLine {
                    if state == .head { finishHead(&events) } else { finishTrailers(&events) }
                    return
                }
                if state == .head, lineStart == 0, HTTPSyntax.startKind(buffer, from: 0, to: buffer.count) == nil {
                    fail("the stream does not start like an HTTP/1.x message", at: bufferOffset, &events)
                    return
                }
                lineStart = buffer.count
            }
            if buffer.count > HTTPSyntax.maxHeadBytes {
                failHeadCap(&events)
                return
            }
        }
    }

    private mutating func failHeadCap(_ events: inout [HTTPParserEvent]) {
        fail("the \(state == .head ? "head" : "trailer section") is longer than \(HTTPSyntax.maxHeadBytes) bytes",
             at: bufferOffset, &events)
    }

    private mutating func finishHead(_ events: inout [HTTPParserEvent]) {
        let headOffset = bufferOffset
        guard let isRequest = HTTPSyntax.startKind(buffer, from: 0, to: buffer.count) else {
            fail("the stream does not start like an HTTP/1.x message", at: headOffset, &events)
            return
        }
        let scan = HTTPSyntax.scanHead(buffer, from: 0, to: buffer.count, isRequest: isRequest)
        if let problem = scan.problem {
            fail(problem, at: headOffset, &events)
            return
        }
        guard isRequest == (role == .requests) else {
            fail(isRequest ? "a request where a response was expected" : "a response where a request was expected",
                 at: headOffset, &events)
            return
        }
        // The head keeps the buffer's bytes for its header lines (read lazily); the buffer starts a new storage.
        let head = HTTPSyntax.makeHead(scan, buffer[...], start: 0)
        let framing = bodyFraming(head, scan: scan)
        let afterHead = headOffset + head.headLength
        buffer.removeAll(keepingCapacity: true)
        lineStart = 0
        // The head's last use: moved into the event, not copied (a dozen references).
        events.append(.head(consume head, offset: headOffset))
        bodyLength = 0
        switch framing {
        case .failure(let error):
            fail(error.reason, at: headOffset, &events)
        case .success(let framing):
            self.framing = framing
            switch framing {
            case .none: completeMessage(at: afterHead, &events)
            case .contentLength(let length):
                if length == 0 { completeMessage(at: afterHead, &events) } else { state = .fixedBody(remaining: length) }
            case .chunked: state = .chunkSize
            case .untilClose: state = .untilClose
            }
        }
    }

    private struct FramingError: Error { var reason: String }

    /// RFC 9112 §6.3, in its order. `scan` is the head as scanned from `buffer`.
    private mutating func bodyFraming(_ head: HTTPHead, scan: HTTPSyntax.Head) -> Result<HTTPBodyFraming, FramingError> {
        if !head.isRequest {
            let status = head.status ?? 0
            // 1xx are interim: the final response to the same request still follows.
            let isFinal = status >= 200
            var method = "GET"
            if expectedMethodIndex < expectedMethods.count {
                method = expectedMethods[expectedMethodIndex]
                if isFinal {
                    expectedMethodIndex += 1
                    // Forget answered requests now and then, so the queue does not grow on long connections.
                    if expectedMethodIndex > 64 {
                        expectedMethods.removeFirst(expectedMethodIndex)
                        expectedMethodIndex = 0
                    }
                }
            }
            if method == "HEAD" || status < 200 || status == 204 || status == 304 { return .success(.none) }
            if method == "CONNECT", status / 100 == 2 { return .success(.untilClose) }
        }
        if let usual = HTTPParser.usualFraming(scan.lines, buffer, isRequest: head.isRequest) { return .success(usual) }
        let codings = head.values(ofHeader: "transfer-encoding")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingSpaces.lowercased() }
        if let last = codings.last {
            if last == "chunked" { return .success(.chunked) }
            return head.isRequest
                ? .failure(FramingError(reason: "Transfer-Encoding \"\(last)\" without chunked last: the request's length is unknown"))
                : .success(.untilClose)
        }
        let lengthValues = head.values(ofHeader: "content-length")
        // The usual case: one plain number (what the general path below accepts, without splitting and trimming).
        if lengthValues.count == 1, let only = lengthValues.first, !only.isEmpty, only.utf8.count <= 15,
           only.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(only) {
            return .success(.contentLength(length))
        }
        let lengths = lengthValues
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingSpaces }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }) else {
                return .failure(FramingError(reason: "conflicting Content-Length values (\(lengths.joined(separator: ", ")))"))
            }
            // At most 15 digits: below 2^53, so no overflow and no absurd lengths.
            guard !first.isEmpty, first.count <= 15, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let length = Int(first) else {
                return .failure(FramingError(reason: "Content-Length \"\(first)\" is not a number"))
            }
            return .success(.contentLength(length))
        }
        return .success(head.isRequest ? .none : .untilClose)
    }

    /// The framing of the usual head, read from its bytes without building a String: one Transfer-Encoding that is
    /// just "chunked", or none and no Content-Length or exactly one of 1 to 15 digits. Nil for anything else,
    /// which the general path decides (and words the complaint about).
    private static func usualFraming(_ lines: [HTTPSyntax.Line], _ bytes: [UInt8], isRequest: Bool) -> HTTPBodyFraming? {
        var length: Int?
        var chunked = false
        for case .header(let header, _) in lines {
            if spells(header.name, of: bytes, "transfer-encoding") {
                guard !chunked, spells(header.value, of: bytes, "chunked") else { return nil }
                chunked = true
                continue
            }
            guard spells(header.name, of: bytes, "content-length") else { continue }
            let value = header.value
            guard length == nil, !value.isEmpty, value.count <= 15, value.upperBound <= bytes.count else { return nil }
            var number = 0
            for byte in bytes[value] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                number = number * 10 + Int(byte - 0x30)  // at most 15 digits: below 2^50, no overflow
            }
            length = number
        }
        // Chunked last wins over any Content-Length (RFC 9112 §6.3 rule 3).
        if chunked { return .chunked }
        if let length { return .contentLength(length) }
        return isRequest ? HTTPBodyFraming.none : .untilClose
    }

    /// Whether the bytes in `range` spell the lower-case ASCII `word`, letters compared without case.
    private static func spells(_ range: Range<Int>, of bytes: [UInt8], _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount, range.lowerBound >= 0, range.upperBound <= bytes.count else {
            return false
        }
        return word.withUTF8Buffer { expected in
            var index = range.lowerBound
            for letter in expected {
                let byte = bytes[index]
                guard (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) == letter else { return false }
                index += 1
            }
            return true
        }
    }

    /// chunk-size [ chunk-ext ] CRLF, or the CRLF after chunk data (RFC 9112 §7.1).
    private mutating func collectChunkLine(_ bytes: ArraySlice<UInt8>, _ index: inout Int,
                                           _ events: inout [HTTPParserEvent]) {
        while index < bytes.endIndex {
            let byte = bytes[index]
            if buffer.isEmpty { bufferOffset = offset(of: index, in: bytes) }
            buffer.append(byte)
            index += 1
            if byte == 0x0a {
                let content = buffer.count >= 2 && buffer[buffer.count - 2] == 0x0d ? buffer.count - 2 : buffer.count - 1
                let lineOffset = bufferOffset
                let line = Array(buffer[0..<content])
                buffer.removeAll(keepingCapacity: true)
                if state == .chunkDataEnd {
                    guard line.isEmpty else {
                        fail("chunk data is not followed by CR LF", at: lineOffset, &events)
                        return
                    }
                    state = .chunkSize
                    return
                }
                chunkSizeLine(line, at: lineOffset, &events)
                return
            }
            if state == .chunkDataEnd, buffer.count > 2 || (buffer.count == 2 && buffer[0] != 0x0d) {
                fail("chunk data is not followed by CR LF", at: bufferOffset, &events)
                return
            }
            if buffer.count > HTTPSyntax.maxChunkLineBytes {
                fail("a chunk-size line is longer than \(HTTPSyntax.maxChunkLineBytes) bytes", at: bufferOffset, &events)
                return
            }
        }
    }

    private mutating func chunkSizeLine(_ line: [UInt8], at lineOffset: Int, _ events: inout [HTTPParserEvent]) {
        var size = 0, digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x41...0x46: value = Int(byte - 0x41 + 10)
            case 0x61...0x66: value = Int(byte - 0x61 + 10)
            default: value = -1
            }
            if value < 0 { break }
            digits += 1
            guard digits <= HTTPSyntax.maxChunkSizeDigits else {
                fail("a chunk size has more than \(HTTPSyntax.maxChunkSizeDigits) hex digits", at: lineOffset, &events)
                return
            }
            size = size * 16 + value  // at most 15 digits: below 2^60, cannot overflow
        }
        guard digits > 0 else {
            fail("a chunk-size line does not start with a hex size", at: lineOffset, &events)
            return
        }
        // What follows the digits must be nothing, whitespace, or a chunk extension (";name=value").
        let rest = line.dropFirst(digits).drop { $0 == 0x20 || $0 == 0x09 }
        guard rest.isEmpty || rest.first == 0x3b else {
            fail("a chunk-size line has junk after the size", at: lineOffset, &events)
            return
        }
        if size == 0 {
            state = .trailers
            lineStart = 0
        } else {
            state = .chunkData(remaining: size)
        }
    }

    private mutating func finishTrailers(_ events: inout [HTTPParserEvent]) {
        // The trailer section is header lines then the empty line: scan it like a head without a start line.
        var trailers: [HTTPHeaderLine] = []
        var start = 0
        while let line = HTTPSyntax.lineEnd(buffer, from: start, to: buffer.count), line.contentEnd > start {
            guard let header = HTTPSyntax.headerLine(buffer, start: start, end: line.contentEnd) else {
                fail("a trailer line is not \"name: value\"", at: bufferOffset + start, &events)
                return
            }
            guard trailers.count < HTTPSyntax.maxHeaderCount else {
                fail("more than \(HTTPSyntax.maxHeaderCount) trailer lines", at: bufferOffset + start, &events)
                return
            }
            trailers.append(HTTPHeaderLine(name: HTTPSyntax.text(buffer, header.name),
                                           value: HTTPSyntax.text(buffer, header.value)))
            start = line.next
        }
        let end = bufferOffset + buffer.count
        buffer.removeAll(keepingCapacity: true)
        lineStart = 0
        completeMessage(at: end, trailers: trailers, &events)
    }

    private mutating func completeMessage(at end: Int, trailers: [HTTPHeaderLine] = [], _ events: inout [HTTPParserEvent]) {
        events.append(.complete(HTTPMessageEnd(framing: framing, bodyLength: bodyLength, trailers: trailers, endOffset: end)))
        messageCount += 1
        state = .head
        framing = .none
        bodyLength = 0
        lineStart = 0
    }

    private mutating func fail(_ reason: String, at offset: Int, _ events: inout [HTTPParserEvent]) {
        events.append(.malformed(reason: reason, offset: offset))
        state = .failed
        buffer = []
        lineStart = 0
    }
}

private extension Substring {
    /// Without leading and trailing spaces and tabs (compared as Characters, as before).
    var trimmingSpaces: String {
        var lower = startIndex
        while lower < endIndex, self[lower] == " " || self[lower] == "\t" { formIndex(after: &lower) }
        var upper = endIndex
        while upper > lower {
            let before = index(before: upper)
            guard self[before] == " " || self[before] == "\t" else { break }
            upper = before
        }
        return String(self[lower..<upper])
    }
}
