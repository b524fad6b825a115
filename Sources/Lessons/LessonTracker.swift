import Sessions
import Wire

/// What the lessons layer says about a session once it ends: which side the board was on, the lesson it
/// followed, and the findings (for `sessions --format json`: `board`, `role`, `diagnosis`).
public struct SessionLesson: Sendable {
    public var session: Int
    public var board: BoardSide
    /// Why the board is who it is (nil with no board). Escape before printing.
    public var boardReason: String?
    /// The lesson: client/server (TCP), udp, network (DNS, DHCP); nil when the session is not the board's.
    public var role: StepRole?
    public var findings: [Finding]
}

extension SessionLesson {
    /// Replaces every session number in it (its own and its findings'), as `SessionSummary.renumberSessions` does.
    public mutating func renumberSessions(_ number: (Int) -> Int) {
        session = number(session)
        for index in findings.indices { findings[index].session = findings[index].session.map(number) }
    }
}

/// Turns decoded frames (with the session layer's annotations) into tutorial steps, and ended sessions into
/// findings.
///
/// Streaming: call `process` for every frame in order, after `SessionTracker.process`; call `sessionEnded` from
/// `SessionTracker.onSessionEnd` (and for each summary `SessionTracker.finish()` returns); call `finish()` once at
/// the end for the capture-wide findings. State is per live session (dropped in `sessionEnded`) plus small
/// capped tables (`LessonOptions`); nothing is kept per frame except the rows of the one ladder asked for.
///
/// The tables every frame touches are `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): only this class's
/// methods use them, and no access to one spans a call that could reach it again.
public final class LessonTracker {
    public let options: LessonOptions
    @exclusivity(unchecked) public private(set) var detector: BoardDetector
    /// The board, once known.
    public var board: BoardIdentity? { detector.board }

    @exclusivity(unchecked) private var tcp: [Int: TCPLesson] = [:]
    /// The recently seen of `tcp`, looked up first (every TCP frame needs its session's lesson).
    @exclusivity(unchecked) private var recentTCP = RecentSessions<TCPLesson>()
    @exclusivity(unchecked) private var udp: [Int: UDPLesson] = [:]
    private let network: NetworkLesson

    // Ladder
    private var ladderSession: Int?
    private var ladderRows: [LadderRow] = []
    private var ladderDropped = 0
    private var ladderLabels: (board: String, peer: String)?
    private var ladderStart: Int64?

    /// Whether this tracker follows only its share of the flows (a worker of a flow-partitioned `sessions`), while
    /// another tracker sees every frame for what is capture-wide (`observe`: the board's evidence, unanswered ARP,
    /// unused DNS answers). Such a share neither feeds its detector nor infers the packet-less steps (which read
    /// capture-wide state): its frames' steps are not printed, only its sessions' lessons.
    public let isFlowShare: Bool

    /// `detector`: a detector already fed with the whole file (a first pass), so the board is known from the start.
    /// `flowShare`: see `isFlowShare`; its detector must already know the board's address and MAC
    /// (`BoardDetector.knowsBoardAddresses`), so that which frames are the board's cannot change.
    public init(options: LessonOptions = LessonOptions(), detector: BoardDetector? = nil, flowShare: Bool = false) {
        self.options = options
        self.detector = detector ?? BoardDetector(override: options.board)
        self.network = NetworkLesson(options: options)
        isFlowShare = flowShare
        if case .session(let n)? = options.ladder { ladderSession = n }
    }

    // MARK: - Frames

    /// The capture-wide part of `process`, for every frame in order: the board detector and the network lesson.
    /// Returns whether the frame is the board's, either way. Of an ordinary frame it reads only the four addresses;
    /// more only of ARP, DNS, DHCP (UDP port 67 or 68), a TCP SYN and fragments. The partitioned `sessions` relies on
    /// that, handing over the other frames as their addresses (`FrameFacts.isReadWhole`): reading another field here
    /// means handing it over there too.
    @discardableResult
    public func observe(_ frame: DecodedFrame, number: Int, timeNanoseconds: Int64,
                        bytes: [UInt8]? = nil) -> (fromBoard: Bool, toBoard: Bool) {
        detector.feed(frame, number: number, bytes: bytes)
        let fromBoard = detector.sentByBoard(frame)
        let toBoard = detector.addressedToBoard(frame)
        network.observe(frame, number: number, time: timeNanoseconds, fromBoard: fromBoard, toBoard: toBoard,
                        boardKnown: detector.isDecided)
        return (fromBoard, toBoard)
    }

    /// Gives one frame its step (and any inferred, packet-less steps just before it). `bytes`, the captured frame,
    /// is only needed to read DHCP when the decoder did not.
    public func process(_ frame: DecodedFrame, annotation: FrameAnnotation, number: Int, timeNanoseconds: Int64,
                        bytes: [UInt8]? = nil) -> FrameLesson {
        let fromBoard: Bool, toBoard: Bool
        if isFlowShare {
            (fromBoard, toBoard) = (detector.sentByBoard(frame), detector.addressedToBoard(frame))
        } else {
            (fromBoard, toBoard) = observe(frame, number: number, timeNanoseconds: timeNanoseconds, bytes: bytes)
        }
        let boardKnown = detector.isDecided

        if let arp = frame.arp {
            return FrameLesson(step: network.arpStep(arp, fromBoard: fromBoard, toBoard: toBoard,
                                                     boardKnown: boardKnown))
        }
        guard let session = annotation.session, let direction = annotation.direction else {
            let why: UnrelatedReason = frame.sourceIP == nil && frame.arp == nil && frame.stoppedAt != nil
                ? .undecoded : .notALesson
            return FrameLesson(step: Self.other(annotation.session, why, boardKnown: boardKnown))
        }
        if let header = frame.tcp {
            return tcpFrame(frame, tcp: header, annotation: annotation, session: session, direction: direction,
                            number: number, time: timeNanoseconds, fromBoard: fromBoard, toBoard: toBoard,
                            bytes: bytes)
        }
        if let header = frame.udp {
            return udpFrame(frame, udp: header, annotation: annotation, session: session, direction: direction,
                            number: number, time: timeNanoseconds, fromBoard: fromBoard, toBoard: toBoard,
                            bytes: bytes)
        }
        return FrameLesson(step: Self.other(session, .notALesson, boardKnown: boardKnown))
    }

    static func other(_ session: Int?, _ why: UnrelatedReason, boardKnown: Bool) -> Step {
        Step(session: session, role: .network, id: .other, event: .unrelated(why: why), fromBoard: false,
             boardKnown: boardKnown)
    }

    private func side(direction: Direction, fromBoard: Bool, toBoard: Bool) -> BoardSide {
        guard detector.isDecided else { return .unknown }
        if fromBoard { return direction == .clientToServer ? .client : .server }
        if toBoard { return direction == .clientToServer ? .server : .client }
        return .neither
    }

    // MARK: TCP

    /// The session's TCP lesson from the dictionary, remembered in `recentTCP` for the next frames.
    private func tcpLesson(_ session: Int) -> TCPLesson? {
        guard let lesson = tcp[session] else { return nil }
        recentTCP[session] = lesson
        return lesson
    }

    private func tcpFrame(_ frame: DecodedFrame, tcp header: TCPHeader, annotation: FrameAnnotation, session: Int,
                          direction: Direction, number: Int, time: Int64, fromBoard: Bool,
                          toBoard: Bool, bytes: [UInt8]?) -> FrameLesson {
        let boardKnown = detector.isDecided
        var inferred: [Step] = []
        let lesson: TCPLesson
        if let existing = recentTCP[session] ?? tcpLesson(session) {
            lesson = existing
            if lesson.side == .unknown, boardKnown {
                lesson.side = side(direction: direction, fromBoard: fromBoard, toBoard: toBoard)
            }
        } else {
            lesson = TCPLesson(id: session, side: side(direction: direction, fromBoard: fromBoard, toBoard: toBoard),
                               time: time)
            tcp[session] = lesson
            recentTCP[session] = lesson
            if lesson.side != .neither, header.flags.contains(.syn), !header.flags.contains(.ack), !isFlowShare {
                inferred = inferredTCPSteps(lesson, frame: frame, header: header, boardKnown: boardKnown)
            }
        }
        if ladderSession == nil, options.ladder == .firstTCP, lesson.side != .neither { ladderSession = session }

        guard lesson.side != .neither else {
            return FrameLesson(step: Self.other(session, .notBoard, boardKnown: boardKnown))
        }
        let fromMe = lesson.programIsClient ? direction == .clientToServer : direction == .serverToClient
        let step = lesson.step(frame, tcp: header, annotation: annotation, fromMe: fromMe, number: number, time: time,
                               boardKnown: boardKnown, bytes: bytes)
        if ladderSession == session {
            recordLadder(frame, tcp: header, annotation: annotation, step: step, inferred: inferred, number: number,
                         time: time, fromMe: fromMe)
        }
        return FrameLesson(step: step, inferred: inferred)
    }

    /// The calls that sent nothing before a connection's first SYN: getaddrinfo() of a dotted address (when no
    /// DNS answer gave the address) and socket() for a client; also bind() and listen() for a server, once per
    /// listening port.
    private func inferredTCPSteps(_ lesson: TCPLesson, frame: DecodedFrame, header: TCPHeader,
                                  boardKnown: Bool) -> [Step] {
        let role = lesson.role
        func line(_ id: StepID) -> Step {
            Step(session: lesson.id, role: role, id: id, event: .noPackets, fromBoard: true, boardKnown: boardKnown,
                 inferred: true)
        }
        if role == .server {
            guard let ip = frame.destinationIP,
                  network.firstConnection(to: Endpoint(ip: ip, port: header.destinationPort)) else { return [] }
            return [line(.dnsLookup), line(.create), line(.bind), line(.listen)]
        }
        var lines: [Step] = []
        if let server = frame.destinationIP, !network.wasAnswered(server) { lines.append(line(.dnsLookup)) }
        lines.append(line(.create))
        return lines
    }

    // MARK: UDP

    private func udpFrame(_ frame: DecodedFrame, udp header: UDPHeader, annotation: FrameAnnotation, session: Int,
                          direction: Direction, number: Int, time: Int64, fromBoard: Bool, toBoard: Bool,
                          bytes: [UInt8]?) -> FrameLesson {
        let boardKnown = detector.isDecided
        let ports = (header.sourcePort, header.destinationPort)
        if ports.0 == 67 || ports.0 == 68 || ports.1 == 67 || ports.1 == 68 {
            let dhcp = frame.dhcp ?? DHCPFallback.message(in: frame, bytes: bytes)
            // The board is the DHCP client (chaddr), whatever addresses the frames carry.
            let notBoard = detector.board?.mac.map { mac in
                dhcp.map { $0.clientMAC != mac } ?? (!fromBoard && !toBoard)
            } ?? false
            if udp[session] == nil {
                udp[session] = UDPLesson(id: session, side: notBoard ? .neither : boardKnown ? .client : .unknown)
            }
            if notBoard { return FrameLesson(step: Self.other(session, .notBoard, boardKnown: boardKnown)) }
            let isRequest = dhcp.map { $0.op == 1 } ?? (ports.1 == 67)
            let event = StepEvent.dhcp(type: dhcp?.messageType ?? 0, hostname: dhcp?.hostname,
                                       offered: dhcp.flatMap { $0.yourIP == .v4(0) ? nil : $0.yourIP })
            return FrameLesson(step: Step(session: session, role: .network, id: .wifiJoin, event: event,
                                          fromBoard: isRequest, boardKnown: boardKnown))
        }
        let lesson: UDPLesson
        var inferred: [Step] = []
        if let existing = udp[session] {
            lesson = existing
            if lesson.side == .unknown, boardKnown {
                lesson.side = side(direction: direction, fromBoard: fromBoard, toBoard: toBoard)
            }
        } else {
            lesson = UDPLesson(id: session, side: side(direction: direction, fromBoard: fromBoard, toBoard: toBoard))
            udp[session] = lesson
            if lesson.side != .neither, ports.0 != 53, ports.1 != 53, !UDPLesson.isChatter(ports), !isFlowShare {
                let firstFromMe = boardKnown ? fromBoard : direction == .clientToServer
                func line(_ id: StepID) -> Step {
                    Step(session: session, role: .udp, id: id, event: .noPackets, fromBoard: true,
                         boardKnown: boardKnown, inferred: true)
                }
                if firstFromMe {
                    if let peer = frame.destinationIP, !network.wasAnswered(peer) { inferred.append(line(.dnsLookup)) }
                    inferred.append(line(.create))
                } else {
                    inferred = [line(.create), line(.bind)]
                }
            }
        }
        guard lesson.side != .neither else {
            return FrameLesson(step: Self.other(session, .notBoard, boardKnown: boardKnown))
        }
        let fromMe = boardKnown ? fromBoard : direction == .clientToServer
        if ports.0 == 53 || ports.1 == 53 {
            guard let dns = frame.dns else {
                return FrameLesson(step: Self.other(session, .undecoded, boardKnown: boardKnown))
            }
            let name = dns.questions.first?.name ?? ""
            let event: StepEvent
            if dns.isResponse {
                let addresses = dns.answers.compactMap(\.address)
                event = .dnsAnswer(name: name, rcode: dns.rcode, firstAddress: addresses.first,
                                   addresses: addresses.count)
            } else {
                event = .dnsQuery(name: name, attempt: lesson.query(dns.id))
            }
            return FrameLesson(step: Step(session: session, role: .network, id: .dnsLookup, event: event,
                                          fromBoard: !dns.isResponse, boardKnown: boardKnown))
        }
        if UDPLesson.isChatter(ports) {
            return FrameLesson(step: Self.other(session, .chatter, boardKnown: boardKnown))
        }
        let length = annotation.payloadLength
        let step = Step(session: session, role: .udp, id: fromMe ? .sendto : .recvfrom,
                        event: .datagram(bytes: length), fromBoard: fromMe, boardKnown: boardKnown)
        if ladderSession == session {
            for line in inferred { appendLadderNote(line, time: time) }
            appendLadder(LadderRow(frame: number, timeNanoseconds: time, fromBoard: fromMe, flags: "UDP",
                                   sequence: nil, acknowledgement: nil, length: length, window: nil,
                                   step: step.id, stepNumber: step.number))
            if ladderLabels == nil, let source = frame.sourceIP, let destination = frame.destinationIP {
                let mine = Endpoint(ip: fromMe ? source : destination, port: fromMe ? header.sourcePort : header.destinationPort)
                let theirs = Endpoint(ip: fromMe ? destination : source, port: fromMe ? header.destinationPort : header.sourcePort)
                ladderLabels = (boardName(boardKnown) + " " + mine.description, "peer " + theirs.description)
            }
        }
        return FrameLesson(step: step, inferred: inferred)
    }

    // MARK: - Sessions

    /// The board's reason sentence, built once per board rather than once per ended session.
    private var cachedBoardReason: (board: BoardIdentity, reason: String)?

    /// The board's reason sentence as the evidence stands now (nil with no board).
    public func boardReason() -> String? {
        guard let board = detector.board else { return nil }
        if let cached = cachedBoardReason, cached.board == board { return cached.reason }
        let reason = board.reason
        cachedBoardReason = (board, reason)
        return reason
    }

    /// The session ended: its findings, and which side the board was on. Drops the session's state.
    public func sessionEnded(_ summary: SessionSummary) -> SessionLesson {
        let reason = boardReason()
        recentTCP.remove(summary.id)
        if let lesson = tcp.removeValue(forKey: summary.id) {
            let findings = lesson.side == .neither ? [] : TCPDiagnosis.findings(lesson, summary: summary, options: options)
            return SessionLesson(session: summary.id, board: lesson.side, boardReason: reason,
                                 role: lesson.side == .neither ? nil : lesson.role, findings: findings)
        }
        let lesson = udp.removeValue(forKey: summary.id)
        let side = lesson?.side ?? sideOfSummary(summary)
        let isDNS = summary.server.port == 53 || summary.client.port == 53
        let isDHCP = [67, 68].contains(summary.server.port) || [67, 68].contains(summary.client.port)
        var findings: [Finding] = []
        if isDNS, side != .neither {
            findings = NetworkLesson.dnsFindings(summary)
        }
        let role: StepRole? = side == .neither ? nil
            : isDNS || isDHCP ? .network : summary.proto == .udp ? .udp : (side == .server ? .server : .client)
        return SessionLesson(session: summary.id, board: side, boardReason: reason, role: role, findings: findings)
    }

    /// Which side of a session the board is on, from addresses alone (for sessions the tracker did not see).
    public func sideOfSummary(_ summary: SessionSummary) -> BoardSide {
        guard let board = detector.board else { return .unknown }
        if board.ip == summary.client.ip { return .client }
        if board.ip == summary.server.ip { return .server }
        return board.ip == nil ? .unknown : .neither
    }

    /// End of capture: the capture-wide findings (`host-unreachable`, `capture-blind`). Call after the last
    /// `sessionEnded`.
    public func finish() -> [Finding] {
        network.finish(boardKnown: detector.isDecided)
    }

    // MARK: - Ladder

    /// The recorded ladder (nil when none was asked for or its session never appeared).
    public var ladder: Ladder? {
        guard let session = ladderSession, let labels = ladderLabels, let start = ladderStart else { return nil }
        return Ladder(session: session, boardLabel: labels.board, peerLabel: labels.peer, rows: ladderRows,
                      droppedRows: ladderDropped, startNanoseconds: start)
    }

    private func boardName(_ known: Bool) -> String { known ? "board" : "client" }

    private func recordLadder(_ frame: DecodedFrame, tcp header: TCPHeader, annotation: FrameAnnotation, step: Step,
                              inferred: [Step], number: Int, time: Int64, fromMe: Bool) {
        if ladderLabels == nil, let source = frame.sourceIP, let destination = frame.destinationIP {
            let mine = Endpoint(ip: fromMe ? source : destination,
                                port: fromMe ? header.sourcePort : header.destinationPort)
            let theirs = Endpoint(ip: fromMe ? destination : source,
                                  port: fromMe ? header.destinationPort : header.sourcePort)
            let known = detector.isDecided
            let peerName = step.role == .server ? "client" : "server"
            ladderLabels = (boardName(known) + " " + mine.description, peerName + " " + theirs.description)
        }
        for line in inferred { appendLadderNote(line, time: time) }
        appendLadder(LadderRow(
            frame: number, timeNanoseconds: time, fromBoard: fromMe, flags: Self.flagText(header.flags),
            sequence: annotation.relativeSequence, acknowledgement: annotation.relativeAcknowledgement,
            length: annotation.payloadLength, window: Int(header.window), step: step.id, stepNumber: step.number))
    }

    private func appendLadderNote(_ step: Step, time: Int64) {
        appendLadder(LadderRow(frame: nil, timeNanoseconds: time, fromBoard: true, flags: "", sequence: nil,
                               acknowledgement: nil, length: 0, window: nil, step: step.id,
                               stepNumber: step.number, note: (step.call ?? step.id.rawValue) + ": sends nothing"))
    }

    private func appendLadder(_ row: LadderRow) {
        if ladderStart == nil { ladderStart = row.timeNanoseconds }
        if ladderRows.count < options.maxLadderRows { ladderRows.append(row) } else { ladderDropped += 1 }
    }

    /// "SYN", "SYN,ACK", "FIN,PSH,ACK": Wireshark's order, ACK last.
    static func flagText(_ flags: TCPFlags) -> String {
        var names: [String] = []
        if flags.contains(.syn) { names.append("SYN") }
        if flags.contains(.fin) { names.append("FIN") }
        if flags.contains(.rst) { names.append("RST") }
        if flags.contains(.psh) { names.append("PSH") }
        if flags.contains(.urg) { names.append("URG") }
        if flags.contains(.ack) { names.append("ACK") }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}

/// The lesson state of one live UDP session.
final class UDPLesson {
    let id: Int
    var side: BoardSide
    /// Times each DNS id was asked, to number resends (capped: a flood of ids stops being counted).
    private var queries: [UInt16: Int] = [:]
    static let maxQueries = 64

    init(id: Int, side: BoardSide) {
        self.id = id
        self.side = side
    }

    /// Counts a query and returns its attempt number (1 for the first).
    func query(_ id: UInt16) -> Int {
        if let count = queries[id] {
            queries[id] = count + 1
            return count + 1
        }
        if queries.count < Self.maxQueries { queries[id] = 1 }
        return 1
    }

    /// mDNS, SSDP, NetBIOS, LLMNR: chatter no socket lesson makes.
    static func isChatter(_ ports: (UInt16, UInt16)) -> Bool {
        chatterPorts.contains(ports.0) || chatterPorts.contains(ports.1)
    }
    private static let chatterPorts: Set<UInt16> = [5353, 1900, 137, 138, 5355]
}
