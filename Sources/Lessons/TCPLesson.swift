import Sessions
import Wire

/// The first HTTP request or response head seen in one direction of a session (for the HTTP diagnoses).
struct HTTPHeadNote {
    var frame: Int
    var time: Int64
    var version: String
    var status: Int?
    var reason: String?
    var method: String?
    var uri: String?
    /// `Connection: close` was present.
    var connectionClose: Bool
    var chunked: Bool
    var hasHost: Bool
    var bareLF: Bool

    init(_ head: HTTPHead, frame: Int, time: Int64) {
        self.frame = frame
        self.time = time
        version = head.version
        status = head.status
        reason = head.reason
        method = head.method
        uri = head.uri
        connectionClose = head.header("Connection")?.lowercased().contains("close") ?? false
        chunked = head.header("Transfer-Encoding")?.lowercased().contains("chunked") ?? false
        hasHost = head.header("Host") != nil
        bareLF = head.bareLF
    }
}

/// Frame numbers kept for one finding, capped at `Finding.maxFrames`.
struct FrameList {
    private(set) var frames: [Int] = []
    private(set) var count = 0
    mutating func add(_ frame: Int) {
        count += 1
        if frames.count < Finding.maxFrames { frames.append(frame) }
    }
    var first: Int? { frames.first }
    var isEmpty: Bool { count == 0 }
}

/// The lesson state of one live TCP session: which side the board is on, how far the handshake got, who
/// closed, and the few facts the diagnoses need. Dropped when the session ends.
final class TCPLesson {
    let id: Int
    var side: BoardSide
    let startTime: Int64

    // Handshake
    var syns = FrameList()
    var firstSYNTime: Int64?
    var lastSYNTime: Int64?
    var synAcks = 0
    var synAckFrame: Int?
    var established = false
    var handshakeACKFrame: Int?
    var refusedFrame: Int?

    // Transfer
    var myBytes = 0
    var peerBytes = 0
    var peerDataFrames = 0
    var lastPeerDataFrame: Int?
    var lastPeerDataTime: Int64?
    var request: HTTPHeadNote?
    var response: HTTPHeadNote?
    var dataRetransmissions = FrameList()
    var lostSegments = 0
    var zeroWindows = FrameList()
    var zeroSince: Int64?
    var longestZero: Int64 = 0
    var probedWhileZero = false

    // Close
    var firstFINFromMe: Bool?
    var firstFINFrame: Int?
    var myFINFrame: Int?
    var peerFINFrame: Int?
    var peerFINTime: Int64?
    /// Relative sequence number just after each side's FIN (what an ACK of it carries).
    var myFINNext: UInt32?
    var peerFINNext: UInt32?
    var resetFrame: Int?
    var resetFromMe = false

    init(id: Int, side: BoardSide, time: Int64) {
        self.id = id
        self.side = side
        self.startTime = time
    }

    /// The lesson follows the board; with no board, the client.
    var programIsClient: Bool { side != .server }

    var role: StepRole { side == .server ? .server : .client }

    /// Assigns the frame's step and updates the state. `fromMe` is true when the board (or, with no board, the
    /// client) sent it.
    func step(_ frame: DecodedFrame, tcp: TCPHeader, annotation: FrameAnnotation, fromMe: Bool, number: Int,
              time: Int64, boardKnown: Bool, bytes: [UInt8]?) -> Step {
        let flags = tcp.flags
        let payload = annotation.payloadLength
        let analysis = annotation.analysis
        let role = self.role
        // The handshake's step: connect() for a client, accept() for a server.
        let handshakeID: StepID = role == .server ? .accept : .connect
        let fromClient = fromMe == programIsClient
        func make(_ id: StepID, _ event: StepEvent) -> Step {
            Step(session: id == .other ? annotation.session : self.id, role: role, id: id, event: event,
                 fromBoard: fromMe, boardKnown: boardKnown)
        }

        if flags.contains(.syn), !flags.contains(.ack) {
            syns.add(number)
            if firstSYNTime == nil { firstSYNTime = time }
            lastSYNTime = time
            return make(handshakeID, .syn(attempt: syns.count))
        }
        if flags.contains(.syn) {
            synAcks += 1
            if synAckFrame == nil { synAckFrame = number }
            return make(handshakeID, .synAck(attempt: synAcks))
        }
        if flags.contains(.rst) {
            if !established, myBytes == 0, peerBytes == 0, !fromClient || synAckFrame == nil {
                // An RST that answers a SYN belongs to connect() (or accept()), which it makes fail.
                if refusedFrame == nil { refusedFrame = number }
                return make(handshakeID, .refused)
            }
            if resetFrame == nil {
                resetFrame = number
                resetFromMe = fromMe
            }
            return make(.close, .reset)
        }
        if !established, fromClient, flags.contains(.ack), synAckFrame != nil {
            established = true
            if payload == 0 {
                handshakeACKFrame = number
                return make(handshakeID, .handshakeACK)
            }
        }
        if payload > 0, !established, synAckFrame == nil, syns.isEmpty { established = true }  // picked up mid-stream

        let retransmission = !analysis.isDisjoint(with: [.retransmission, .fastRetransmission, .spuriousRetransmission])
        if analysis.contains(.lostSegment) { lostSegments += 1 }

        if flags.contains(.fin) {
            let first = firstFINFrame == nil
            if first {
                firstFINFrame = number
                firstFINFromMe = fromMe
            }
            if fromMe {
                myFINFrame = myFINFrame ?? number
                myFINNext = annotation.nextRelativeSequence
                myBytes += payload
            } else {
                peerFINFrame = peerFINFrame ?? number
                peerFINTime = peerFINTime ?? time
                peerFINNext = annotation.nextRelativeSequence
                peerBytes += payload
                if payload > 0 {
                    lastPeerDataFrame = number
                    lastPeerDataTime = time
                }
            }
            if retransmission, payload > 0 { dataRetransmissions.add(number) }
            return make(.close, .fin(bytes: payload, first: first))
        }

        if payload > 0 {
            if retransmission { dataRetransmissions.add(number) }
            if !fromMe, analysis.contains(.zeroWindowProbe) {
                if zeroSince != nil { probedWhileZero = true }
                return make(.recv, .probe)
            }
            var http: HTTPLine?
            if frame.hasHTTP, let head = bytes.flatMap(frame.httpHead(in:)) ?? frame.http {
                http = HTTPLine(isRequest: head.isRequest, method: head.method, uri: head.uri, status: head.status,
                                version: head.version)
                if head.isRequest, fromClient, request == nil {
                    request = HTTPHeadNote(head, frame: number, time: time)
                } else if !head.isRequest, !fromClient, response == nil {
                    response = HTTPHeadNote(head, frame: number, time: time)
                }
            }
            if fromMe {
                let first = myBytes == 0
                myBytes += payload
                return make(.send, .data(bytes: payload, first: first, retransmission: retransmission, http: http))
            }
            let first = peerBytes == 0
            peerBytes += payload
            peerDataFrames += 1
            lastPeerDataFrame = number
            lastPeerDataTime = time
            return make(.recv, .data(bytes: payload, first: first, retransmission: retransmission, http: http))
        }

        // A segment with no payload and no SYN/FIN/RST: an ACK of some kind.
        let ack = annotation.relativeAcknowledgement
        if fromMe {
            if tcp.window == 0 {
                zeroWindows.add(number)
                if zeroSince == nil { zeroSince = time }
            } else if let since = zeroSince {
                longestZero = max(longestZero, time - since)
                zeroSince = nil
            }
        }
        if let ack, let next = fromMe ? peerFINNext : myFINNext, ack == next {
            return make(.close, .finACK)
        }
        // Receiving-side events are recv() for the side that receives, send() for the side that sent the data.
        let receiving: StepID = fromMe ? .recv : .send
        if tcp.window == 0 { return make(receiving, .zeroWindow) }
        if !analysis.isDisjoint(with: [.keepAlive, .zeroWindowProbe]) {
            if !fromMe, zeroSince != nil { probedWhileZero = true }
            return make(fromMe ? .send : .recv, .probe)
        }
        if analysis.contains(.windowUpdate) { return make(receiving, .windowUpdate(window: Int(tcp.window))) }
        return make(receiving, .ack(window: Int(tcp.window)))
    }

    /// Closes the zero-window interval at the end of the session.
    func finishZeroWindow(at end: Int64) {
        if let since = zeroSince {
            longestZero = max(longestZero, end - since)
            zeroSince = nil
        }
    }
}
