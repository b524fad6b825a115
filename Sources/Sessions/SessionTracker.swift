import Wire

/// Follows TCP and UDP sessions through a capture, one decoded frame at a time.
///
/// Streaming: state is kept per live session only (nothing per frame), sessions that end are handed to
/// `onSessionEnd` and dropped, and every timeout runs on packet time. Sessions are numbered 1, 2, … in the
/// order of their first frame, TCP and UDP together.
///
/// The state every frame touches is `@exclusivity(unchecked)` (see OPTIMISATION.md, round 6): only this class's
/// methods change it, and the handlers it calls (`onSessionEnd`, `onStreamData`, `onHTTPBody`) must not call back
/// into the tracker.
public final class SessionTracker {
    public let options: SessionOptions
    /// Called once for every session that ends (closed and lingered, idle, evicted, replaced, or at `finish()`).
    /// When nil, ended sessions are kept and returned by `finish()`.
    public var onSessionEnd: ((SessionSummary) -> Void)? {
        get { sessionEndHandler }
        set { sessionEndHandler = newValue }
    }
    /// Receives each TCP direction's bytes in order, with gaps, as they become deliverable:
    /// (session id, direction, chunk). The chunk's slice is only valid during the call.
    public var onStreamData: ((Int, Direction, StreamChunk) -> Void)? {
        get { streamDataHandler }
        set { streamDataHandler = newValue }
    }
    /// Receives each HTTP response's decoded body bytes (chunk framing removed) as they arrive: (session id,
    /// response index, bytes). The index counts the session's final (non-1xx) responses from 1. Bytes lost in a
    /// capture gap are not delivered. The slice is only valid during the call.
    public var onHTTPBody: ((_ session: Int, _ responseIndex: Int, _ bytes: ArraySlice<UInt8>) -> Void)? {
        get { httpBodyHandler }
        set { httpBodyHandler = newValue }
    }
    // The callbacks are stored privately: a public stored property keeps a runtime exclusivity check on every
    // read (one per stream chunk), since another module could access it.
    private var sessionEndHandler: ((SessionSummary) -> Void)?
    private var streamDataHandler: ((Int, Direction, StreamChunk) -> Void)?
    private var httpBodyHandler: ((Int, Int, ArraySlice<UInt8>) -> Void)?

    /// Sessions ended early to respect `maxFlows`.
    @exclusivity(unchecked) public private(set) var evictedCount = 0
    /// Times a reassembly cap forced a hole to be declared.
    @exclusivity(unchecked) public private(set) var reassemblyCapHits = 0
    /// Out-of-order bytes buffered right now, over all flows.
    public var bufferedBytes: Int { reassemblyBudget }
    /// Sessions live right now.
    public var liveSessionCount: Int { live.count }
    /// Numbers each session by the frame that opened it instead of 1, 2, 3…: for a tracker that sees only some
    /// of the flows (one worker of a flow-partitioned pipeline), whose merger renumbers sessions in frame order.
    public var numbersSessionsByFirstFrame = false

    /// What `bufferedBytes` reports. The reassemblers get a local copy of it, written back after each frame: passed
    /// in place, into calls that deliver stream data to callbacks, it took a runtime exclusivity check per call.
    @exclusivity(unchecked) private var reassemblyBudget = 0
    @exclusivity(unchecked) private var live = SessionTable()
    @exclusivity(unchecked) private var nextID = 1
    @exclusivity(unchecked) private var ended: [SessionSummary] = []
    var pendingDNSCount = 0
    var dnsAddresses: DNSAddressBook
    private let limits: ReassemblyLimits

    public init(options: SessionOptions = SessionOptions()) {
        self.options = options
        dnsAddresses = DNSAddressBook(capacity: options.maxRememberedDNSAddresses,
                                      window: options.dnsLinkWindowNanoseconds)
        limits = ReassemblyLimits(maxPieces: max(1, options.maxOutOfOrderSegmentsPerFlow),
                                  maxBytes: options.maxReassemblyBytesPerFlow,
                                  maxTotalBytes: options.maxReassemblyBytesTotal,
                                  overlapWindow: max(0, options.overlapCheckBytes))
    }

    /// Processes one frame. `bytes` are the frame's captured bytes (the payload is read from them at
    /// `frame.payloadOffset`); `number` is its 1-based frame number; `timeNanoseconds` its capture time;
    /// `originalLength` the frame's length on the wire when known: payload the IP length promises beyond it was
    /// never sent (a short frame, not a snapshot cut) and takes no sequence space, as in Wireshark.
    public func process(_ frame: DecodedFrame, bytes: [UInt8], number: Int, timeNanoseconds: Int64,
                        originalLength: Int? = nil) -> FrameAnnotation {
        var annotation = FrameAnnotation()
        process(frame, bytes: bytes, number: number, timeNanoseconds: timeNanoseconds, originalLength: originalLength,
                into: &annotation)
        return annotation
    }

    /// `process`, writing the annotation into `annotation` (empty on entry): built where the caller keeps it, it is
    /// not copied on the way out (returned, the annotation a TCP segment fills in was copied: a retain of each
    /// reference in it, every frame).
    public func process(_ frame: DecodedFrame, bytes: [UInt8], number: Int, timeNanoseconds: Int64,
                        originalLength: Int? = nil, into annotation: inout FrameAnnotation) {
        currentFrame = number
        expire(now: timeNanoseconds)
        guard let source = frame.sourceIP, let destination = frame.destinationIP else { return }
        if let tcp = frame.tcp {
            var missing = max(0, frame.payloadMissing)
            if let originalLength { missing = min(missing, max(0, originalLength - bytes.count)) }
            processTCP(frame, tcp: tcp, source: source, destination: destination, bytes: bytes, missing: missing,
                       number: number, time: timeNanoseconds, into: &annotation)
        } else if let udp = frame.udp {
            processUDP(frame, udp: udp, source: source, destination: destination, number: number,
                       time: timeNanoseconds, into: &annotation)
        }
    }

    /// Runs the packet-time timeouts for a frame this tracker does not process (a flow-partitioned worker sees
    /// every frame's time, so its sessions end at the same frame as they would in a single tracker).
    public func advanceClock(to timeNanoseconds: Int64, frame number: Int) {
        currentFrame = number
        expire(now: timeNanoseconds)
    }

    /// Ends every live session (end of capture). Returns the sessions ended by this call, by id — plus, when
    /// `onSessionEnd` is nil, every session that ended earlier.
    public func finish() -> [SessionSummary] {
        var flushed: [SessionSummary] = []
        for session in live.all.sorted(by: { $0.id < $1.id }) {
            let reason: SessionEndReason = session.list == .closed ? .closed : .endOfCapture
            if let summary = end(session, reason: reason, report: false) { flushed.append(summary) }
        }
        if let onSessionEnd {
            for summary in flushed { onSessionEnd(summary) }
            return flushed
        }
        let all = (ended + flushed).sorted { $0.id < $1.id }
        ended = []
        return all
    }

    // MARK: - TCP

    private func processTCP(_ frame: DecodedFrame, tcp: TCPHeader, source sourceIP: IPAddress,
                            destination destinationIP: IPAddress, bytes: [UInt8], missing: Int, number: Int,
                            time: Int64, into annotation: inout FrameAnnotation) {
        let source = Endpoint(ip: sourceIP, port: tcp.sourcePort)
        let destination = Endpoint(ip: destinationIP, port: tcp.destinationPort)
        let (key, sourceIsLow) = FlowKey.make(proto: .tcp, source: source, destination: destination)
        let flags = tcp.flags
        let pureSYN = flags.contains(.syn) && !flags.contains(.ack)
        var preset: TCPAnalysisFlags = []
        let session: TCPSession
        if let existing = live.touch(key) {
            // The key's protocol is TCP, and only TCPSession values are stored under TCP keys.
            let old = unsafeDowncast(existing, to: TCPSession.self)
            let sender = old.direction(sourceIsLow: sourceIsLow)
            if pureSYN, old.sides[sender].baseSet, tcp.sequenceNumber != old.sides[sender].base.rawValue {
                // Port reuse: a new SYN with a new ISN on the same 4-tuple starts a new connection (as Wireshark).
                end(old, reason: .replaced)
                session = newTCPSession(key: key, source: source, destination: destination, sourceIsLow: sourceIsLow,
                                        flags: flags, number: number, time: time)
                session.note("reused_ports")
                preset = .reusedPorts
            } else {
                session = old
            }
        } else {
            session = newTCPSession(key: key, source: source, destination: destination, sourceIsLow: sourceIsLow,
                                    flags: flags, number: number, time: time)
        }

        let direction = session.direction(sourceIsLow: sourceIsLow)
        let originator = direction == .clientToServer
        // Payload length in sequence space includes bytes the snapshot length cut off.
        let segmentLength = max(0, frame.payloadLength) + missing
        let seglen = UInt32(truncatingIfNeeded: segmentLength)
        let seq = SequenceNumber(tcp.sequenceNumber)
        let ack = SequenceNumber(tcp.acknowledgementNumber)
        let hasACK = flags.contains(.ack)
        session.countFrame(number, time: time, direction: direction, payloadBytes: Int64(segmentLength))

        annotation.session = session.id
        annotation.proto = .tcp
        annotation.direction = direction
        annotation.payloadLength = segmentLength

        // Handshake timing (before the sides are borrowed).
        if pureSYN, originator {
            if session.firstSYNTime == nil { session.firstSYNTime = time }
            session.lastSYNTime = time
        }
        if flags.contains(.syn), hasACK, !originator, session.synAckTime == nil { session.synAckTime = time }
        if flags.contains(.syn) {
            let fingerprint = SYNFingerprint(frame: number, ttl: frame.ttl, window: tcp.window, options: tcp.options,
                                             dontFragment: frame.dontFragment)
            if pureSYN, session.synFingerprint == nil { session.synFingerprint = fingerprint }
            if hasACK, session.synAckFingerprint == nil { session.synAckFingerprint = fingerprint }
        }
        let initialRTT = session.handshakeRTT ?? 0
        let firstSegment = !session.anySegment
        session.anySegment = true
        let limits = self.limits
        var budget = reassemblyBudget
        // The HTTP exchanges whose heads this frame completes.
        var completedHTTP: [HTTPTransaction] = []

        let closedNow: Bool = session.withSides(direction) { session, fwd, rev, zeek in
            // Wireshark's relative-number bases: the ISN; without a SYN one before the first number seen, or
            // one before the first ACK the other side sent.
            if flags.contains(.syn) {
                if !fwd.sawSYN { fwd.base = seq; fwd.baseSet = true; fwd.isn = seq }
                fwd.sawSYN = true
                if pureSYN { fwd.synCount += 1 }
                fwd.analysis.windowScale = tcp.options.windowScale.map { Int($0) } ?? -2
                if hasACK, fwd.analysis.windowScale < 0 || rev.analysis.windowScale < 0 {
                    // Scaling applies only when both SYNs offered it (RFC 7323 §2.2).
                    fwd.analysis.windowScale = -2
                    rev.analysis.windowScale = -2
                }
            } else if !fwd.baseSet {
                fwd.base = SequenceNumber(seq.rawValue &- 1)  // one before: the first byte is relative 1
                fwd.baseSet = true
            }
            if !rev.baseSet, hasACK {
                rev.base = SequenceNumber(ack.rawValue &- 1)
                rev.baseSet = true
            }
            if fwd.reassembler == nil { fwd.reassembler = Reassembler(base: fwd.base + 1, limits: limits) }
            if rev.reassembler == nil, rev.baseSet { rev.reassembler = Reassembler(base: rev.base + 1, limits: limits) }

            let relativeSequence = seq.relative(to: fwd.base)
            let relativeAck = hasACK ? ack.relative(to: rev.base) : 0
            annotation.relativeSequence = relativeSequence
            if hasACK { annotation.relativeAcknowledgement = relativeAck }
            let sequenceSpace = seglen &+ (flags.contains(.syn) ? 1 : 0) &+ (flags.contains(.fin) ? 1 : 0)
            if sequenceSpace > 0 { annotation.nextRelativeSequence = relativeSequence &+ sequenceSpace }

            // Handshake RTT, Wireshark's tcp.analysis.initial_rtt: last SYN to the client's first ACK (seq 1, ack 1).
            if originator, hasACK, !flags.contains(.syn), session.handshakeRTT == nil, let synTime = session.lastSYNTime,
               relativeSequence == 1, relativeAck == 1 {
                session.handshakeRTT = time - synTime
                annotation.initialRTT = Double(time - synTime) / 1e9
            }

            // Wireshark's analysis.
            let result = analyze(
                AnalysisSegment(seq: relativeSequence, ack: relativeAck, length: seglen, flags: flags,
                                window: tcp.window, time: time, frame: number),
                forward: &fwd.analysis, reverse: &rev.analysis, initialRTT: initialRTT, preset: preset)
            annotation.analysis = result.flags
            if result.flags.contains(.duplicateAck) {
                annotation.duplicateAckNumber = result.duplicateAckNumber
                annotation.duplicateAckFrame = result.duplicateAckFrame
                fwd.duplicateAcks += 1
            }
            if !result.flags.isDisjoint(with: [.retransmission, .fastRetransmission, .spuriousRetransmission]) {
                fwd.retransmissions += 1
            }
            if result.flags.contains(.zeroWindow) {
                fwd.zeroWindows += 1
                if session.firstZeroWindowFrame == nil { session.firstZeroWindowFrame = number }
            }
            session.analysisSeen.formUnion(result.flags)

            // Zeek: checksum, history, zero window, retransmission, state machine.
            zeek.segment(flags: flags, originator: originator, sequence: seq, sequenceSpace: sequenceSpace,
                         length: segmentLength, window: tcp.window, badChecksum: frame.transportChecksum == .bad)

            // RFC 793 states of both ends.
            let acksPeerSYN = hasACK && rev.sawSYN && ack - (rev.isn + 1) >= 0
            let acksPeerFIN = hasACK && rev.finSequence.map { ack - $0 > 0 } == true
            advance(sender: &fwd.state, receiver: &rev.state,
                    with: StateInput(flags: flags, acksPeerSYN: acksPeerSYN, acksPeerFIN: acksPeerFIN,
                                     isFirstSegment: firstSegment))
            if acksPeerFIN { rev.finAcknowledged = true }

            // Reassembly: this segment's bytes, its FIN, then what its ACK says about the other direction.
            let dataStart = seq + (flags.contains(.syn) ? 1 : 0)
            if flags.contains(.fin), fwd.finSequence == nil { fwd.finSequence = dataStart + seglen }
            // Local functions, not closures in constants: those are escaping, and their captures went on the heap
            // for every segment. They are called from closure literals that pass `completedHTTP` in: a variable
            // captured by a local function used as a closure value is checked for exclusivity at run time.
            // A gap is a letter of Zeek's history ('g'), in stream order with the rest.
            func emitForward(_ chunk: StreamChunk, _ heads: inout [HTTPTransaction]) {
                if case .gap = chunk { zeek.scaledEvent("g", originator) }
                deliver(chunk, direction: direction, &heads)
            }
            func emitReverse(_ chunk: StreamChunk, _ heads: inout [HTTPTransaction]) {
                if case .gap = chunk { zeek.scaledEvent("g", !originator) }
                deliver(chunk, direction: direction.reversed, &heads)
            }
            // The tracker and the session reach `deliver` uncounted: captured as references, each call into the
            // reassembler retained and released both around it (four atomic operations per call, two or three
            // calls per segment). Both outlive this function: `self` is the caller's, `session` is held above.
            let tracker = Unmanaged.passUnretained(self), lent = Unmanaged.passUnretained(session)
            func deliver(_ chunk: StreamChunk, direction: Direction, _ heads: inout [HTTPTransaction]) {
                tracker._withUnsafeGuaranteedRef { tracker in
                    lent._withUnsafeGuaranteedRef { session in
                        tracker.deliver(chunk, session: session, direction: direction, completing: &heads)
                    }
                }
            }
            // Reassemblers are updated where they are stored: copying one out and back costs a retain and a
            // release of each of its buffers per segment.
            if !flags.contains(.rst) {
                fwd.reassembler?.update { reassembler in
                    let offset = reassembler.offset(of: dataStart)
                    let start = frame.payloadOffset, count = frame.payloadLength
                    if count > 0, start >= 0, count <= bytes.count - start {
                        let observation = reassembler.segment(offset: offset, bytes: bytes[start..<(start + count)],
                                                              frame: number, budget: &budget,
                                                              emit: { emitForward($0, &completedHTTP) })
                        if observation.mismatch {
                            annotation.overlapMismatch = true
                            session.note("overlap_mismatch")
                        }
                        if observation.capHit {
                            self.reassemblyCapHits += 1
                            session.note("reassembly_cap")
                        }
                    }
                    if flags.contains(.fin) {
                        reassembler.fin(at: offset + Int64(segmentLength), frame: number, budget: &budget,
                                        emit: { emitForward($0, &completedHTTP) })
                    }
                }
            }
            if hasACK, !flags.contains(.rst) {
                rev.reassembler?.update { reassembler in
                    reassembler.acknowledged(upTo: reassembler.offset(of: ack), frame: number,
                                             budget: &budget, emit: { emitReverse($0, &completedHTTP) })
                }
            }
            if flags.contains(.rst) {
                fwd.reassembler?.update { reassembler in
                    reassembler.close(frame: number, reason: .reset, budget: &budget,
                                      emit: { emitForward($0, &completedHTTP) })
                }
                rev.reassembler?.update { reassembler in
                    reassembler.close(frame: number, reason: .reset, budget: &budget,
                                      emit: { emitReverse($0, &completedHTTP) })
                }
            }
            annotation.clientState = originator ? fwd.state : rev.state
            annotation.serverState = originator ? rev.state : fwd.state
            return flags.contains(.rst) || fwd.finAcknowledged && rev.finAcknowledged
        }
        reassemblyBudget = budget

        if flags.contains(.fin), session.firstFIN == nil { session.firstFIN = SideEvent(frame: number, direction: direction) }
        if flags.contains(.rst), session.firstRST == nil { session.firstRST = SideEvent(frame: number, direction: direction) }
        if closedNow, !session.closed {
            session.closed = true
            live.move(session, to: .closed)
        }
        if let dns = frame.dns {
            annotation.dns = handleDNS(dns, session: session, frame: number, time: time)
        }
        if !completedHTTP.isEmpty { annotation.http = completedHTTP }
    }

    /// The frame being processed (HTTP heads completed by it are attributed to it).
    @exclusivity(unchecked) private var currentFrame = 0

    /// Hands a stream chunk to the stream callback and the session's HTTP tracker; the exchanges whose heads it
    /// completes are appended to `completed`. (The caller, holding the connection's state, records a gap in Zeek's
    /// history.)
    private func deliver(_ chunk: StreamChunk, session: TCPSession, direction: Direction,
                         completing completed: inout [HTTPTransaction]) {
        streamDataHandler?(session.id, direction, chunk)
        if let http = session.http {
            http.feed(chunk, direction: direction, frame: HTTPTransactions.frame(of: chunk), session: session.id,
                      body: httpBodyHandler, into: &completed)
            if let anomaly = http.anomaly {
                session.note(anomaly)
                http.anomaly = nil
            }
            // Not HTTP: drop the parser state so the rest of the session costs nothing.
            if http.isAbandoned { session.http = nil }
        }
    }

    private func newTCPSession(key: FlowKey, source: Endpoint, destination: Endpoint, sourceIsLow: Bool,
                               flags: TCPFlags, number: Int, time: Int64) -> TCPSession {
        let sourceIsClient: Bool
        let guessed: Bool
        if flags.contains(.syn) {
            sourceIsClient = !flags.contains(.ack)  // a SYN-ACK comes from the server
            guessed = flags.contains(.ack)
        } else {
            sourceIsClient = guessIsClient(source, comparedTo: destination)
            guessed = true
        }
        makeRoom()
        let session = TCPSession(id: numbersSessionsByFirstFrame ? number : nextID, key: key,
                                 clientIsLow: sourceIsClient == sourceIsLow, clientGuessed: guessed, frame: number,
                                 time: time)
        nextID += 1
        session.http = HTTPTransactions(capacity: options.maxHTTPTransactionsPerSession,
                                        digests: options.httpBodyDigests)
        session.dnsLookup = dnsAddresses.lookup(session.server.ip, at: time)
        live.insert(session, on: .open)
        return session
    }

    // MARK: - UDP

    private func processUDP(_ frame: DecodedFrame, udp: UDPHeader, source sourceIP: IPAddress,
                            destination destinationIP: IPAddress, number: Int, time: Int64,
                            into annotation: inout FrameAnnotation) {
        let source = Endpoint(ip: sourceIP, port: udp.sourcePort)
        let destination = Endpoint(ip: destinationIP, port: udp.destinationPort)
        let (key, sourceIsLow) = FlowKey.make(proto: .udp, source: source, destination: destination)
        let session: UDPSession
        if let existing = live.touch(key) {
            // Only UDPSession values are stored under UDP keys.
            session = unsafeDowncast(existing, to: UDPSession.self)
        } else {
            makeRoom()
            let (sourceIsClient, guessed) = udpClient(source: source, destination: destination)
            session = UDPSession(id: numbersSessionsByFirstFrame ? number : nextID, key: key,
                                 clientIsLow: sourceIsClient == sourceIsLow, clientGuessed: guessed, frame: number,
                                 time: time)
            nextID += 1
            session.dnsLookup = dnsAddresses.lookup(session.server.ip, at: time)
            live.insert(session, on: .udp)
        }
        let direction = session.direction(sourceIsLow: sourceIsLow)
        let length = max(0, frame.payloadLength) + max(0, frame.payloadMissing)
        session.countFrame(number, time: time, direction: direction, payloadBytes: Int64(length))
        if frame.transportChecksum == .bad { session.zeek.scaledEvent("c", direction == .clientToServer) }
        session.zeek.udpDatagram(originator: direction == .clientToServer)

        annotation.session = session.id
        annotation.proto = .udp
        annotation.direction = direction
        annotation.payloadLength = length
        if let dns = frame.dns {
            annotation.dns = handleDNS(dns, session: session, frame: number, time: time)
        }
    }

    // MARK: - Ending sessions

    /// Ends sessions idle past their list's timeout (packet time). O(1) when nothing expires.
    private func expire(now: Int64) {
        // Runs for every frame: three direct calls, no table of timeouts built each time.
        expire(.closed, now: now, timeout: options.tcpClosedLingerNanoseconds, reason: .closed)
        expire(.open, now: now, timeout: options.tcpIdleTimeoutNanoseconds, reason: .idle)
        expire(.udp, now: now, timeout: options.udpIdleTimeoutNanoseconds, reason: .idle)
    }

    private func expire(_ kind: IdleListKind, now: Int64, timeout: Int64, reason: SessionEndReason) {
        while live.oldestIdle(kind, longerThan: timeout, at: now), let oldest = live.oldest(kind) {
            end(oldest, reason: reason)
        }
    }

    /// Evicts the longest-idle session while the table is full.
    private func makeRoom() {
        while live.count >= max(1, options.maxFlows) {
            guard let victim = live.longestIdle else { return }
            evictedCount += 1
            victim.note("evicted")
            end(victim, reason: victim.list == .closed ? .closed : .evicted)
        }
    }

    @discardableResult
    private func end(_ session: SessionState, reason: SessionEndReason, report: Bool = true) -> SessionSummary? {
        live.remove(session)
        pendingDNSCount -= session.pendingDNS.count
        session.pendingDNS = [:]
        let summary: SessionSummary
        if session.key.proto == .tcp {
            let tcp = unsafeDowncast(session, to: TCPSession.self)
            var budget = reassemblyBudget
            // Heads completed as the session ends belong to no frame: not reported.
            var discarded: [HTTPTransaction] = []
            for direction in [Direction.clientToServer, .serverToClient] {
                tcp.withSides(direction) { _, fwd, _, zeek in
                    fwd.reassembler?.update { reassembler in
                        reassembler.close(frame: tcp.lastFrame, reason: .sessionEnd, budget: &budget) { chunk in
                            if case .gap = chunk { zeek.scaledEvent("g", direction == .clientToServer) }
                            self.deliver(chunk, session: tcp, direction: direction, completing: &discarded)
                        }
                    }
                }
            }
            reassemblyBudget = budget
            tcp.http?.finish()
            summary = tcp.summary(reason: reason)
        } else {
            summary = unsafeDowncast(session, to: UDPSession.self).summary(reason: reason)
        }
        guard report else { return summary }
        if let onSessionEnd { onSessionEnd(summary) } else { ended.append(summary) }
        return summary
    }
}

extension Reassembler {
    /// Runs `body` on the reassembler in place: `optional?.update { … }` mutates the stored value without copying
    /// it out (a copy would retain and release every buffer it holds).
    mutating func update<Result>(_ body: (inout Reassembler) -> Result) -> Result { body(&self) }
}
