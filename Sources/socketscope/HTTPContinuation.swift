import Capture
import Render
import Sessions
import Wire

/// Works out which HTTP message the payload of one TCP frame continues, by parsing the reassembled stream of
/// that direction up to the frame's bytes (the same parser the sessions layer uses).
enum HTTPContinuation {
    /// Stream chunks remembered to map a stream offset back to the frame that carried it (capped: only needed
    /// for the one direction being explained).
    static let maxChunks = 100_000

    /// The pieces of `target`'s payload, or [] when it is not HTTP (or not a continuation).
    static func pieces(files: [String], target: Frame, session: Int, direction: Direction, streamOffset: Int,
                       payloadLength: Int) throws -> [HTTPPiece] {
        var chunkFrames: [(start: Int, end: Int, frame: Int)] = []
        let analyzer = FrameAnalyzer()
        var parser = HTTPParser(role: direction == .clientToServer ? .requests : .responses)
        var requests = HTTPParser(role: .requests)
        let targetEnd = streamOffset + payloadLength
        var delivered = 0
        var done = false
        // Message state while parsing: where the current message began and where its body bytes sit.
        var messageStart: Int?
        var headRange: Range<Int>?
        var bodyBytesBefore = 0
        var pieces: [(range: Range<Int>, kind: HTTPPiece.Kind, messageStart: Int?, messageOffset: Int)] = []
        var isRequest = direction == .clientToServer

        func record(_ range: Range<Int>, _ kind: HTTPPiece.Kind, _ start: Int?, _ messageOffset: Int) {
            let lower = max(range.lowerBound, streamOffset), upper = min(range.upperBound, targetEnd)
            guard lower < upper else { return }
            let clipped = lower..<upper
            pieces.append((clipped, kind, start, messageOffset + (clipped.lowerBound - range.lowerBound)))
        }

        func handle(_ events: [HTTPParserEvent]) {
            for event in events {
                switch event {
                case .head(let head, let offset):
                    messageStart = offset
                    isRequest = head.isRequest
                    headRange = offset..<(offset + head.headLength)
                    bodyBytesBefore = 0
                    record(offset..<(offset + head.headLength), .head, offset, 0)
                case .body(let bytes, let offset):
                    record(offset..<(offset + bytes.count), .body, messageStart, bodyBytesBefore)
                    bodyBytesBefore += bytes.count
                case .bodyGap(let count, _):
                    bodyBytesBefore += count
                case .complete, .malformed:
                    _ = headRange
                }
            }
        }

        analyzer.tracker.onStreamData = { id, side, chunk in
            guard id == session, !done else { return }
            if side != direction {
                // Requests tell the response parser which responses have no body (HEAD).
                if direction == .serverToClient, case .data(let bytes, _, _) = chunk {
                    for case .head(let head, _) in requests.feed(bytes) {
                        parser.expectResponse(toMethod: head.method ?? "GET")
                    }
                }
                return
            }
            switch chunk {
            case .data(let bytes, let offset, let frame):
                if chunkFrames.count < Self.maxChunks {
                    chunkFrames.append((Int(offset), Int(offset) + bytes.count, frame))
                }
                handle(parser.feed(bytes))
                delivered = Int(offset) + bytes.count
            case .gap(let length, let offset, _):
                handle(parser.feedGap(count: Int(clamping: length)))
                delivered = Int(offset + length)
            case .end:
                handle(parser.finish())
                done = true
            }
            if delivered >= targetEnd { done = true }
        }
        try CaptureInput.forEachFrame(in: files) { frame in
            _ = analyzer.analyze(frame)
            return !done
        }
        if !done { _ = analyzer.finish() }

        // Whatever the parser did not claim inside the frame is chunk framing (within a message) or other bytes.
        pieces.sort { $0.range.lowerBound < $1.range.lowerBound }
        var result: [HTTPPiece] = []
        var at = streamOffset
        func frameOf(_ offset: Int?) -> Int? {
            guard let offset else { return nil }
            return chunkFrames.first { $0.start <= offset && offset < $0.end }?.frame
        }
        for piece in pieces where piece.range.lowerBound >= at {
            if piece.range.lowerBound > at {
                result.append(HTTPPiece(offset: at - streamOffset, length: piece.range.lowerBound - at,
                                        kind: messageStart == nil ? .other : .chunkFraming, isRequest: isRequest,
                                        messageFrame: frameOf(piece.messageStart), messageOffset: 0))
            }
            result.append(HTTPPiece(offset: piece.range.lowerBound - streamOffset, length: piece.range.count,
                                    kind: piece.kind, isRequest: isRequest, messageFrame: frameOf(piece.messageStart),
                                    messageOffset: piece.messageOffset))
            at = piece.range.upperBound
        }
        if at < targetEnd, !result.isEmpty {
            result.append(HTTPPiece(offset: at - streamOffset, length: targetEnd - at,
                                    kind: messageStart == nil ? .other : .chunkFraming, isRequest: isRequest,
                                    messageFrame: frameOf(messageStart), messageOffset: 0))
        }
        // Only worth saying when the frame continues a message that began earlier.
        guard let first = result.first, first.messageFrame != target.number || first.kind != .head else { return [] }
        _ = target
        return result
    }
}
