import Wire

/// HTTP/1.x exchanges on one TCP session, built from the reassembled streams (RFC 9112).
///
/// A session is taken for HTTP by content, on any port: the first bytes of one direction must look like a
/// request line (`METHOD SP`, with a known method, or a whole `token SP target SP HTTP/1.x` line). Until that is
/// decided the first bytes are held (at most `maxProbeBytes` per direction); a stream that starts with anything
/// else — or with a gap — turns the tracker off for the session (`isAbandoned`) and nothing more is built.
///
/// Requests and responses are paired in order (RFC 9112 §9.3.2: responses come back in request order, pipelined
/// or not). Interim 1xx responses do not consume a request. Exchanges beyond
/// `SessionOptions.maxHTTPTransactionsPerSession` are parsed and counted (`count`) but not stored. Bodies are
/// never buffered: they are hashed and counted as they pass.
///
/// Its state is `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): only this class's methods change it, and
/// the body handler it calls does not reach it again.
final class HTTPTransactions {
    /// Bytes of each direction held while deciding whether a session is HTTP. A request line longer than this
    /// with an unknown method is not recognised.
    static let maxProbeBytes = 8_192
    /// Requests awaiting their response at once. Pipelining deeper than this is not a real client; the
    /// session stops being parsed (anomaly "http_pipeline_cap") rather than queueing without bound.
    static let maxOutstandingRequests = 1_024
    /// Chunks that do not start a message skipped before the session is taken for something else.
    static let maxSkippedChunks = 4

    /// Stored exchanges, in request order (at most the cap).
    var transactions: [HTTPTransaction] {
        // Open exchanges hold the current version of their record; `stored` gets it when they are dropped.
        guard open.contains(where: { $0.slot != nil }) else { return stored }
        var all = stored
        for exchange in open {
            if let slot = exchange.slot { all[slot] = exchange.record }
        }
        return all
    }
    /// Stored exchanges as of when they left `open` (records of open exchanges may be older here).
    @exclusivity(unchecked) private var stored: [HTTPTransaction] = []
    /// Exchanges seen, stored or not.
    @exclusivity(unchecked) private(set) var count = 0
    /// True once the session is known not to be HTTP (or was given up): feeding does nothing.
    @exclusivity(unchecked) private(set) var isAbandoned = false
    /// Set when the tracker should note an anomaly on the session (read and cleared by the tracker).
    var anomaly: String?

    private let capacity: Int
    /// Whether bodies are hashed (`SessionOptions.httpBodyDigests`).
    private let digests: Bool

    private enum Mode {
        case detecting
        case parsing
        /// After 101 Switching Protocols or a successful CONNECT: the bytes are another protocol.
        case tunnel
        case off
    }

    @exclusivity(unchecked) private var mode = Mode.detecting
    /// The direction that carries requests (normally client to server; the other way when the capture missed the
    /// SYN and the client was guessed wrong).
    @exclusivity(unchecked) private var requestDirection = Direction.clientToServer

    /// First chunks of each direction, held while detecting: (copied bytes or a gap/end marker, frame).
    private struct Held {
        var bytes: [UInt8]
        var frame: Int
        var end: StreamEndReason?
    }
    @exclusivity(unchecked) private var held: [[Held]] = [[], []]
    @exclusivity(unchecked) private var heldBytes = [0, 0]
    @exclusivity(unchecked) private var skippedChunks = 0

    @exclusivity(unchecked) private var requests = HTTPParser(role: .requests)
    @exclusivity(unchecked) private var responses = HTTPParser(role: .responses)

    /// One exchange in progress.
    private struct Exchange {
        var record: HTTPTransaction
        /// Index in `transactions`, nil beyond the cap.
        var slot: Int?
        var requestDone = false
        var responseDone = false
        var requestHasher: SHA256?
        var responseHasher: SHA256?
        var requestBodyMissing = false
        var responseBodyMissing = false
        var finalMethod: String { record.method ?? "GET" }
    }

    /// Exchanges not yet finished on both sides, oldest first; `open[i]` has number `firstOpenNumber + i`.
    @exclusivity(unchecked) private var open: [Exchange] = []
    @exclusivity(unchecked) private var firstOpenNumber = 1
    /// Number of the exchange whose request message is being read (head seen, body not complete).
    @exclusivity(unchecked) private var requestNumber: Int?
    /// Number of the exchange whose response message is being read.
    @exclusivity(unchecked) private var responseNumber: Int?
    /// Number of the exchange the next final response answers.
    @exclusivity(unchecked) private var nextAnswer = 1
    /// Final (non-1xx) responses seen, for `onHTTPBody`'s response index.
    @exclusivity(unchecked) private var finalResponses = 0

    init(capacity: Int = 1000, digests: Bool = true) {
        self.capacity = max(0, capacity)
        self.digests = digests
    }

    private func index(_ direction: Direction) -> Int { direction == .clientToServer ? 0 : 1 }

    /// Feeds one stream chunk of `direction`. `frame` is the frame to credit with heads this chunk completes.
    /// Response body bytes go to `body` as (session, response index, bytes). Appends to `heads` snapshots of the
    /// exchanges whose request or response head this chunk completed (each as it stood at that moment): straight
    /// into the caller's list, no array per chunk.
    func feed(_ chunk: StreamChunk, direction: Direction, frame: Int, session: Int = 0,
              body: ((Int, Int, ArraySlice<UInt8>) -> Void)? = nil, into heads: inout [HTTPTransaction]) {
        switch mode {
        case .off, .tunnel:
            return
        case .detecting:
            detect(chunk, direction: direction, frame: frame, session: session, body: body, into: &heads)
        case .parsing:
            parse(chunk, direction: direction, frame: frame, session: session, body: body, into: &heads)
        }
    }

    /// The session ended: exchanges still open are unfinished.
    func finish() {
        if mode == .parsing {
            for direction in [requestDirection, requestDirection.reversed] {
                var snapshots: [HTTPTransaction] = []
                let events = direction == requestDirection ? requests.finish() : responses.finish()
                handle(events, direction: direction, frame: 0, atEnd: true, session: 0, body: nil, into: &snapshots)
            }
        }
        for number in firstOpenNumber..<(firstOpenNumber + open.count) {
            update(number) { exchange in
                if !exchange.requestDone || !exchange.responseDone { exchange.record.unfinished = true }
            }
        }
        for index in open.indices { keep(&open[index]) }
        open = []
        held = [[], []]
        mode = .off
    }

    // MARK: - Detection

    private func detect(_ chunk: StreamChunk, direction: Direction, frame: Int, session: Int,
                        body: ((Int, Int, ArraySlice<UInt8>) -> Void)?, into heads: inout [HTTPTransaction]) {
        let side = index(direction)
        switch chunk {
        case .gap:
            // Bytes before the decision were lost: what was held cannot be framed; look again after the gap.
            held[side].removeAll()
            heldBytes[side] = 0
            skippedChunks += 1
            if skippedChunks > HTTPTransactions.maxSkippedChunks { abandon() }
            return
        case .end(_, let endFrame, let reason):
            held[side].append(Held(bytes: [], frame: endFrame, end: reason))
            if heldBytes[side] == 0, heldBytes[1 - side] == 0 { abandon() }
            return
        case .data(let bytes, _, let dataFrame):
            switch classify(side, adding: bytes) {
            case .other:
                // Not the start of a message: junk before the first request (a keep-alive probe's byte, the tail of
                // an exchange from before the capture started, a server banner). Skip it, a few times at most.
                held[side].removeAll()
                heldBytes[side] = 0
                skippedChunks += 1
                if skippedChunks > HTTPTransactions.maxSkippedChunks { abandon() }
                return
            case .undecided, .response:
                // Too little to tell yet, or a status line before any request: hold it (capped).
                guard bytes.count <= HTTPTransactions.maxProbeBytes - heldBytes[side] else { abandon(); return }
                held[side].append(Held(bytes: Array(bytes), frame: dataFrame, end: nil))
                heldBytes[side] += bytes.count
                return
            case .request:
                requestDirection = direction
                mode = .parsing
                let pending = held
                held = [[], []]
                heldBytes = [0, 0]
                // The request side first, so the response parser knows each request's method (HEAD).
                for replaySide in [side, 1 - side] {
                    let replayDirection: Direction = replaySide == 0 ? .clientToServer : .serverToClient
                    for piece in pending[replaySide] {
                        guard mode == .parsing else { break }
                        let replayed: StreamChunk = piece.end.map { .end(offset: 0, frame: piece.frame, reason: $0) }
                            ?? .data(piece.bytes[...], offset: 0, frame: piece.frame)
                        parse(replayed, direction: replayDirection, frame: piece.frame, session: session, body: body,
                              into: &heads)
                    }
                    if replaySide == side, mode == .parsing {
                        parse(chunk, direction: direction, frame: frame, session: session, body: body, into: &heads)
                    }
                }
            }
        }
    }

    private enum Verdict { case request, response, other, undecided }

    /// Whether the held bytes of one direction begin an HTTP/1.x request (RFC 9112 §3) or response (§4).
    private func classify(_ side: Int, adding more: ArraySlice<UInt8>) -> Verdict {
        let added = more.prefix(HTTPTransactions.maxProbeBytes)
        guard held[side].contains(where: { $0.end == nil }) else {
            // Nothing held (the usual first chunk): look at the chunk's own bytes, no copy.
            return HTTPTransactions.classify(added)
        }
        var bytes: [UInt8] = []
        for piece in held[side] where piece.end == nil { bytes += piece.bytes }
        bytes += added
        return HTTPTransactions.classify(bytes[...])
    }

    private static let statusPrefix = Array("HTTP/1.".utf8)
    private static let versionSuffix = Array(" HTTP/1.".utf8)

    private static func classify(_ bytes: ArraySlice<UInt8>) -> Verdict {
        // RFC 9112 §2.2: a recipient ignores empty lines before the request line.
        var start = bytes.startIndex
        let limit = bytes.endIndex
        while start < limit, bytes[start] == 0x0d || bytes[start] == 0x0a { start += 1 }
        let rest = bytes[start...]
        guard let first = rest.first else { return bytes.count > 16 ? .other : .undecided }
        let statusPrefix = HTTPTransactions.statusPrefix
        if first == 0x48, rest.starts(with: statusPrefix.prefix(rest.count)) {
            return rest.count >= statusPrefix.count ? .response : .undecided
        }
        var end = start
        while end < limit, HTTPTransactions.isToken(bytes[end]) { end += 1 }
        let methodLength = end - start
        if methodLength > 20 || (methodLength == 0 && end < limit) { return .other }
        guard end < limit else { return .undecided }
        guard bytes[end] == 0x20 else { return .other }
        let method = String(decoding: bytes[start..<end], as: UTF8.self)
        if HTTPTransactions.knownMethods.contains(method) { return .request }
        // An unknown method counts only with the whole line: token SP target SP HTTP/1.x.
        guard let lf = bytes[end...].firstIndex(of: 0x0a) else { return .undecided }
        var lineEnd = lf
        if lineEnd > end, bytes[lineEnd - 1] == 0x0d { lineEnd -= 1 }
        let line = bytes[end..<lineEnd]
        let version = HTTPTransactions.versionSuffix
        guard line.count > version.count + 2 else { return .other }
        let tail = line.suffix(version.count + 1)
        guard tail.starts(with: version), let digit = tail.last, digit >= 0x30, digit <= 0x39 else { return .other }
        return .request
    }

    /// RFC 9110 §5.6.2 tchar.
    private static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2a, 0x2b, 0x2d, 0x2e, 0x5e, 0x5f, 0x60, 0x7c, 0x7e: return true
        default: return false
        }
    }

    private static let knownMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND", "PROPPATCH",
        "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT", "NOTIFY", "SUBSCRIBE", "M-SEARCH",
    ]

    private func abandon() {
        mode = .off
        isAbandoned = true
        held = [[], []]
        heldBytes = [0, 0]
    }

    // MARK: - Parsing

    private func parse(_ chunk: StreamChunk, direction: Direction, frame: Int, session: Int,
                       body: ((Int, Int, ArraySlice<UInt8>) -> Void)?, into heads: inout [HTTPTransaction]) {
        let isRequest = direction == requestDirection
        var events: [HTTPParserEvent]
        var atEnd = false
        switch chunk {
        case .data(let bytes, _, _):
            // Into a reused buffer (left empty by the last call): no event array is allocated per chunk.
            events = scratch
            scratch = []
            if isRequest { requests.feed(bytes, into: &events) } else { responses.feed(bytes, into: &events) }
        case .gap(let length, _, _):
            let count = Int(clamping: length)
            events = isRequest ? requests.feedGap(count: count) : responses.feedGap(count: count)
        case .end:
            events = isRequest ? requests.finish() : responses.finish()
            atEnd = true
        }
        defer {
            events.removeAll(keepingCapacity: true)
            scratch = events
        }
        guard !events.isEmpty else { return }
        handle(events, direction: direction, frame: frame, atEnd: atEnd, session: session, body: body, into: &heads)
    }

    /// The event buffer `parse` reuses.
    @exclusivity(unchecked) private var scratch: [HTTPParserEvent] = []

    private func handle(_ events: [HTTPParserEvent], direction: Direction, frame: Int, atEnd: Bool, session: Int,
                        body: ((Int, Int, ArraySlice<UInt8>) -> Void)?, into snapshots: inout [HTTPTransaction]) {
        let isRequest = direction == requestDirection
        // Exchanges become finished only when a message completes or fails: otherwise nothing to drop.
        var messageEnded = false
        // By index: iterating by value copied every event (a head is a dozen references).
        for index in events.indices {
            guard mode == .parsing else { return }
            switch events[index] {
            case .head(let head, _):
                if isRequest { requestHead(head, frame: frame, into: &snapshots) }
                else { responseHead(head, frame: frame, into: &snapshots) }
            case .body(let bytes, _):
                if isRequest {
                    guard let number = requestNumber else { continue }
                    update(number) { exchange in
                        exchange.requestHasher?.update(bytes)
                        exchange.record.requestBodyLength = (exchange.record.requestBodyLength ?? 0) + Int64(bytes.count)
                    }
                } else {
                    guard let number = responseNumber else { continue }
                    var responseIndex: Int?
                    update(number) { exchange in
                        exchange.responseHasher?.update(bytes)
                        exchange.record.bodyLength = (exchange.record.bodyLength ?? 0) + Int64(bytes.count)
                        responseIndex = exchange.record.responseIndex
                    }
                    if let body, let responseIndex { body(session, responseIndex, bytes) }
                }
            case .bodyGap(let count, _):
                let number = isRequest ? requestNumber : responseNumber
                guard let number else { continue }
                update(number) { exchange in
                    if isRequest {
                        exchange.requestBodyMissing = true
                        exchange.record.requestBodyLength = (exchange.record.requestBodyLength ?? 0) + Int64(count)
                    } else {
                        exchange.responseBodyMissing = true
                        exchange.record.bodyLength = (exchange.record.bodyLength ?? 0) + Int64(count)
                    }
                    exchange.record.bodyMissingBytes += Int64(count)
                }
            case .complete(let end):
                if isRequest { requestComplete(end) } else { responseComplete(end) }
                messageEnded = true
            case .malformed(let reason, _):
                malformed(reason, isRequest: isRequest, atEnd: atEnd, frame: frame)
                messageEnded = true
            }
        }
        if messageEnded { dropFinished() }
    }

    private func requestHead(_ head: HTTPHead, frame: Int, into snapshots: inout [HTTPTransaction]) {
        guard open.count < HTTPTransactions.maxOutstandingRequests else {
            anomaly = "http_pipeline_cap"
            mode = .off
            return
        }
        let method = head.method ?? ""
        responses.expectResponse(toMethod: method)
        var record = HTTPTransaction(method: method, uri: head.uri, version: head.version, host: head.header("Host"),
                                     requestFrame: frame, bareLF: head.bareLF)
        if Self.isChunked(head) { record.requestChunked = true }
        record.index = firstOpenNumber + open.count
        let number = newExchange(record)
        requestNumber = number
        if digests { update(number) { $0.requestHasher = SHA256() } }
        if let snapshot = openRecord(number) { snapshots.append(snapshot) }
    }

    private func requestComplete(_ end: HTTPMessageEnd) {
        guard let number = requestNumber else { return }
        requestNumber = nil
        update(number) { exchange in
            exchange.requestDone = true
            if end.framing == .chunked { exchange.record.requestChunked = true }
            if end.framing != .none || end.bodyLength > 0 {
                exchange.record.requestBodyLength = Int64(end.bodyLength)
                if end.bodyLength > 0, !exchange.requestBodyMissing, var hasher = exchange.requestHasher {
                    exchange.record.requestBodySHA256 = SHA256.hexDigest(hasher.finalize())
                }
            } else {
                exchange.record.requestBodyLength = nil
            }
            exchange.requestHasher = nil
        }
    }

    private func responseHead(_ head: HTTPHead, frame: Int, into snapshots: inout [HTTPTransaction]) {
        let status = head.status ?? 0
        if nextAnswer >= firstOpenNumber + open.count {
            // A response with no request seen (the request was lost or never parsed): an exchange of its own.
            guard open.count < HTTPTransactions.maxOutstandingRequests else {
                anomaly = "http_pipeline_cap"
                mode = .off
                return
            }
            var record = HTTPTransaction()
            record.index = firstOpenNumber + open.count
            let number = newExchange(record)
            update(number) { $0.requestDone = true }
        }
        let number = nextAnswer
        var method = "GET"
        if status < 200, status != 101 {
            // Interim (RFC 9110 §15.2): the final response to the same request follows.
            update(number) { exchange in
                exchange.record.interimStatus = status
                if head.bareLF { exchange.record.bareLF = true }
            }
            if var snapshot = openRecord(number) {
                snapshot.status = status
                snapshot.reason = head.reason
                snapshot.responseVersion = head.version
                snapshot.responseFrame = frame
                snapshots.append(snapshot)
            }
            responseNumber = nil
            return
        }
        // 101 ends HTTP on the connection (RFC 9110 §15.2.2): it answers the request, but is not a final response.
        if status != 101 { finalResponses += 1 }
        nextAnswer += 1
        responseNumber = number
        update(number) { exchange in
            exchange.record.status = status
            exchange.record.reason = head.reason
            exchange.record.responseVersion = head.version
            exchange.record.responseFrame = frame
            if status != 101 { exchange.record.responseIndex = self.finalResponses }
            if head.bareLF { exchange.record.bareLF = true }
            if self.digests { exchange.responseHasher = SHA256() }
            method = exchange.finalMethod
            // Known from the head, so an unfinished chunked body still says chunked (RFC 9112 §6.1: chunked is
            // the final transfer coding; HEAD, 204 and 304 responses carry no body at all).
            if method != "HEAD", status != 204, status != 304, Self.isChunked(head) { exchange.record.chunked = true }
        }
        if let snapshot = openRecord(number) { snapshots.append(snapshot) }
        // After 101 Switching Protocols (RFC 9110 §15.2.2) or a 2xx to CONNECT (§9.3.6) the connection carries
        // another protocol.
        if status == 101 || (method == "CONNECT" && status / 100 == 2) { pendingTunnel = true }
    }

    /// True when the message's last transfer coding is chunked (RFC 9112 §6.1).
    static func isChunked(_ head: HTTPHead) -> Bool {
        guard let codings = head.header("Transfer-Encoding") else { return false }
        return isChunked(codings: codings)
    }

    /// Whether the last non-empty comma-separated element of a Transfer-Encoding value is "chunked", spaces and tabs
    /// ignored, letters in any case. Compared as bytes: header text is ASCII or Latin-1, where no other character
    /// lower-cases to an ASCII letter, so this decides what `lowercased() == "chunked"` did, without the Strings.
    static func isChunked(codings: String) -> Bool {
        let bytes = codings.utf8
        let comma = UInt8(ascii: ",")
        // The last element with any byte in it (`split` skipped empty ones).
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[bytes.index(before: end)] == comma { end = bytes.index(before: end) }
        var start = end
        while start > bytes.startIndex, bytes[bytes.index(before: start)] != comma { start = bytes.index(before: start) }
        var matched = 0
        for byte in bytes[start..<end] where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") {
            let lower = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
            guard matched < chunkedName.count, lower == chunkedName[matched] else { return false }
            matched += 1
        }
        return matched == chunkedName.count
    }

    private static let chunkedName = Array("chunked".utf8)

    /// A switch of protocol takes effect once the response that announced it is complete.
    @exclusivity(unchecked) private var pendingTunnel = false

    private func responseComplete(_ end: HTTPMessageEnd) {
        guard let number = responseNumber else { return }  // an interim response: nothing to finish
        responseNumber = nil
        update(number) { exchange in
            exchange.responseDone = true
            if end.framing == .chunked { exchange.record.chunked = true }
            exchange.record.bodyLength = Int64(end.bodyLength)
            if end.bodyLength > 0, !exchange.responseBodyMissing, var hasher = exchange.responseHasher {
                exchange.record.bodySHA256 = SHA256.hexDigest(hasher.finalize())
            }
            exchange.responseHasher = nil
        }
        if pendingTunnel {
            pendingTunnel = false
            mode = .tunnel
            for number in firstOpenNumber..<(firstOpenNumber + open.count) {
                update(number) { $0.requestDone = true; $0.responseDone = true }
            }
            dropFinished()
        }
    }

    private func malformed(_ reason: String, isRequest: Bool, atEnd: Bool, frame: Int) {
        // At the end of the stream the parser's complaint means the message was cut short, not broken.
        let number: Int
        if isRequest {
            if let current = requestNumber {
                number = current
            } else {
                guard open.count < HTTPTransactions.maxOutstandingRequests else { return }
                var record = HTTPTransaction()
                record.index = firstOpenNumber + open.count
                if !atEnd { record.requestFrame = frame }
                number = newExchange(record)
                // A broken request still gets an answer (typically 400), which pairs with this exchange.
                responses.expectResponse(toMethod: "GET")
            }
            requestNumber = nil
        } else {
            if let current = responseNumber {
                number = current
            } else if nextAnswer < firstOpenNumber + open.count {
                number = nextAnswer
            } else {
                guard open.count < HTTPTransactions.maxOutstandingRequests else { return }
                var record = HTTPTransaction()
                record.index = firstOpenNumber + open.count
                number = newExchange(record)
            }
            responseNumber = nil
        }
        update(number) { exchange in
            if atEnd { exchange.record.unfinished = true } else { exchange.record.malformed = true }
            if exchange.record.problem == nil { exchange.record.problem = reason }
            if isRequest {
                exchange.requestDone = true
                exchange.requestHasher = nil
            } else {
                exchange.responseHasher = nil
            }
        }
        if !isRequest {
            // The response stream is lost from here: no later exchange will be answered.
            for other in firstOpenNumber..<(firstOpenNumber + open.count) {
                update(other) { $0.responseDone = true }
            }
            for other in number..<(firstOpenNumber + open.count) where other != number {
                update(other) { $0.record.unfinished = true }
            }
        }
    }

    // MARK: - Bookkeeping

    private func newExchange(_ record: consuming HTTPTransaction) -> Int {
        count += 1
        var exchange = Exchange(record: record)
        if stored.count < capacity {
            exchange.slot = stored.count
            // A place for the record: it moves there when the exchange is dropped (`transactions` reads open
            // exchanges' records from `open`), so it is not copied, Strings and all, to fill it now.
            stored.append(HTTPTransaction())
        }
        open.append(exchange)
        return firstOpenNumber + open.count - 1
    }

    /// Moves the record of an exchange that is about to be dropped into its place in `stored`, if it has one.
    private func keep(_ exchange: inout Exchange) {
        guard let slot = exchange.slot, slot < stored.count else { return }
        swap(&stored[slot], &exchange.record)
    }

    /// The record of an open exchange as it stands (a copy of the record alone: the exchange also holds two
    /// SHA-256 states).
    private func openRecord(_ number: Int) -> HTTPTransaction? {
        let position = number - firstOpenNumber
        guard position >= 0, position < open.count else { return nil }
        return open[position].record
    }

    /// Changes an open exchange (its record reaches `stored` when the exchange is dropped: copying the record,
    /// Strings and all, on every body chunk was most of the cost of a body).
    private func update(_ number: Int, _ change: (inout Exchange) -> Void) {
        let position = number - firstOpenNumber
        guard position >= 0, position < open.count else { return }
        change(&open[position])
    }

    /// Forgets exchanges finished on both sides, from the front (their records stay in `transactions`).
    private func dropFinished() {
        var drop = 0
        while drop < open.count, open[drop].requestDone, open[drop].responseDone, requestNumber != firstOpenNumber + drop {
            drop += 1
        }
        guard drop > 0 else { return }
        // By index and moved: iterating by value copied each exchange, and assigning copied its record again.
        for index in 0..<drop { keep(&open[index]) }
        open.removeFirst(drop)
        firstOpenNumber += drop
    }
}

extension HTTPTransactions {
    /// The frame credited with a head that `chunk` completes: the frame that carried the bytes.
    static func frame(of chunk: StreamChunk) -> Int {
        switch chunk {
        case .data(_, _, let frame), .gap(_, _, let frame), .end(_, let frame, _): return frame
        }
    }
}
