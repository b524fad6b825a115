import Sessions
import Wire

/// What the session layer knows about a frame, added to the meanings the decoders wrote: the decoder sees one
/// frame and cannot know where a sequence number stands in its connection.
public enum ExplainContext {
    public static func addSessionMeanings(to fields: inout [Field], _ annotation: FrameAnnotation) {
        for index in fields.indices {
            switch fields[index].name {
            case "tcp.seq_raw":
                if let relative = annotation.relativeSequence {
                    fields[index].meaning += " Relative to this side's first sequence number: \(relative)."
                }
            case "tcp.ack_raw":
                if let relative = annotation.relativeAcknowledgement, fields[index].value != "0" {
                    fields[index].meaning += " Relative: \(relative), the next byte this side expects from the other."
                }
            default:
                break
            }
            if !fields[index].children.isEmpty { addSessionMeanings(to: &fields[index].children, annotation) }
        }
    }
}

/// A piece of an HTTP message inside a frame that does not start the message: what `explain` says about
/// bytes that continue a request or response begun in an earlier frame.
public struct HTTPPiece: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Start line or header bytes (the head began in an earlier frame).
        case head
        /// Body bytes (for chunked bodies, the chunk data).
        case body
        /// Chunk-size lines, the CRLFs around chunk data, the last chunk and trailers.
        case chunkFraming
        /// Bytes between messages or after the stream stopped parsing.
        case other
    }
    /// Offset and length within the frame's payload.
    public var offset: Int
    public var length: Int
    public var kind: Kind
    public var isRequest: Bool
    /// The frame where the message this piece belongs to began (nil when unknown).
    public var messageFrame: Int?
    /// Offset of the piece's first byte within the message's body (body pieces) or head (head pieces).
    public var messageOffset: Int

    public init(offset: Int, length: Int, kind: Kind, isRequest: Bool, messageFrame: Int?, messageOffset: Int) {
        self.offset = offset
        self.length = length
        self.kind = kind
        self.isRequest = isRequest
        self.messageFrame = messageFrame
        self.messageOffset = messageOffset
    }
}

extension ExplainContext {
    /// Splits the frame's payload field into the HTTP pieces it continues. Pieces must tile the payload.
    public static func addHTTPContinuation(to fields: inout [Field], payloadOffset: Int, payloadLength: Int,
                                           pieces: [HTTPPiece], bytes: [UInt8]) {
        guard !pieces.isEmpty, pieces.reduce(0, { $0 + $1.length }) == payloadLength,
              let index = fields.firstIndex(where: { $0.layer == .payload && $0.offset == payloadOffset
                  && $0.length == payloadLength && $0.children.isEmpty }) else { return }
        var group = Field(layer: .http, name: "http.continuation", offset: payloadOffset, length: payloadLength,
                          value: "\(payloadLength) bytes", meaning: "")
        let first = pieces[0]
        let what = first.isRequest ? "request" : "response"
        group.meaning = first.messageFrame.map { "these bytes continue the HTTP \(what) that began in frame \($0)" }
            ?? "these bytes continue an HTTP \(what) that began before this frame"
        var at = payloadOffset
        for piece in pieces {
            let start = payloadOffset + piece.offset
            guard start == at, piece.length > 0, start >= 0, piece.length <= bytes.count - start else { return }
            let text = TerminalText.escape(bytes: bytes[start..<(start + piece.length)].prefix(48))
                + (piece.length > 48 ? "…" : "")
            let message = piece.isRequest ? "request" : "response"
            let began = piece.messageFrame.map { " (the \(message) began in frame \($0))" } ?? ""
            let (name, meaning): (String, String)
            switch piece.kind {
            case .head:
                name = "http.continuation.head"
                meaning = "\(piece.length) more bytes of the \(message)'s start line and headers, from byte \(piece.messageOffset) of its head\(began)"
            case .body:
                name = "http.file_data"
                meaning = "\(piece.length) bytes of the \(message) body, bytes \(piece.messageOffset)–\(piece.messageOffset + piece.length - 1) of it\(began)"
            case .chunkFraming:
                name = "http.chunk_framing"
                meaning = "chunked transfer framing: a chunk-size line in hex, the CRLF after chunk data, or the last chunk and trailers\(began); not part of the body"
            case .other:
                name = "data"
                meaning = "bytes outside any HTTP message SocketScope could parse"
            }
            group.children.append(Field(layer: piece.kind == .other ? .payload : .http, name: name, offset: start,
                                        length: piece.length, value: text, meaning: meaning))
            at = start + piece.length
        }
        fields[index] = group
    }
}
